// The dataset sources: the synthetic world and readers of real formats (WebDataset shards,
// COCO captions, VQAv2, image folders). Registered with their options so specs validate; the
// readers and the generator arrive with the data issue.
#include "absl/strings/str_cat.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/datasets.pb.h"
#include "plugins/configured_plugin.h"

namespace vlmlab {
namespace {

VLMLAB_REGISTER_PLUGIN(
    Dataset, SyntheticWorldOptions, "synthetic",
    "Procedural shapes, documents and charts with captions and questions (no download)",
    (CreateConfigured<Dataset, SyntheticWorldOptions>),
    [](const SyntheticWorldOptions& o, ValidationContext& ctx) {
      if (o.tasks_size() == 0) {
        ctx.Error("tasks", "list at least one task, e.g. tasks: CAPTION tasks: VQA");
      }
    });
VLMLAB_REGISTER_PLUGIN(Dataset, WebDatasetOptions, "webdataset",
                       "WebDataset tar shards: files sharing a key form a sample",
                       (CreateConfigured<Dataset, WebDatasetOptions>),
                       [](const WebDatasetOptions& o, ValidationContext& ctx) {
                         if (o.shards_size() == 0)
                           ctx.Error("shards", "list at least one shard path");
                       });
VLMLAB_REGISTER_PLUGIN(Dataset, CocoCaptionsOptions, "coco_captions",
                       "COCO captions JSON and its image directory",
                       (CreateConfigured<Dataset, CocoCaptionsOptions>), nullptr);
VLMLAB_REGISTER_PLUGIN(Dataset, Vqav2Options, "vqav2",
                       "VQAv2 questions and annotations JSON and the image directory",
                       (CreateConfigured<Dataset, Vqav2Options>), nullptr);
VLMLAB_REGISTER_PLUGIN(Dataset, ImageFolderOptions, "image_folder",
                       "An image directory with a JSONL file of records",
                       (CreateConfigured<Dataset, ImageFolderOptions>), nullptr);

}  // namespace
}  // namespace vlmlab
