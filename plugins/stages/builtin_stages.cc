// The training stages: `pretrain`, `sft` and `dpo`. Registered with their options so specs
// validate and sweeps expand; the training loop arrives with the training issue.
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/stages.pb.h"
#include "plugins/configured_plugin.h"

namespace vlmlab {
namespace {

VLMLAB_REGISTER_PLUGIN(Stage, PretrainOptions, "pretrain",
                       "Next-token loss on captions and interleaved documents",
                       (CreateConfigured<Stage, PretrainOptions>), nullptr);
VLMLAB_REGISTER_PLUGIN(Stage, SftOptions, "sft",
                       "Supervised fine-tuning on conversations, loss on assistant tokens",
                       (CreateConfigured<Stage, SftOptions>), nullptr);
VLMLAB_REGISTER_PLUGIN(Stage, DpoOptions, "dpo",
                       "Direct preference optimisation against a frozen reference model",
                       (CreateConfigured<Stage, DpoOptions>), nullptr);

}  // namespace
}  // namespace vlmlab
