// Registers the byte-level BPE trainer (bpe_trainer.h) as the trainer of the `bpe` tokenizer
// plugin, so `vlmlab tokenizer train` reaches it through the registries
// (platform/plugin_api/tokenizer_trainer.h).
#include <memory>
#include <string>
#include <utility>

#include "platform/plugin_api/tokenizer_trainer.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/tokenizers.pb.h"
#include "plugins/tokenizers/bpe_trainer.h"

namespace vlmlab::bpe {
namespace {

class BpeTrainerPlugin : public TokenizerTrainer {
 public:
  explicit BpeTrainerPlugin(std::unique_ptr<BpeTrainer> trainer) : trainer_(std::move(trainer)) {}

  void Add(absl::string_view text) override { trainer_->Add(text); }

  absl::StatusOr<TrainedTokenizer> TrainAndWrite(const std::string& path) override {
    absl::StatusOr<TrainedBpe> trained = trainer_->Train();
    if (!trained.ok()) return trained.status();
    if (absl::Status written = WriteTokenizerJson(*trained, path); !written.ok()) return written;
    TrainedTokenizer out;
    out.vocab_size = trained->vocab_size();
    out.num_special = trained->num_special;
    out.base_tokens = 256;
    out.merges = static_cast<int64_t>(trained->merges.size());
    auto load = std::make_shared<BpeTokenizerOptions>();
    load->set_path(path);
    // No special-token roles: the file's added tokens are cut out all the same.
    load->set_pad_token("");
    load->set_bos_token("");
    load->set_eos_token("");
    load->set_image_token("");
    load->set_image_start_token("");
    load->set_image_end_token("");
    load->set_user_token("");
    load->set_assistant_token("");
    out.load_options = std::move(load);
    return out;
  }

 private:
  std::unique_ptr<BpeTrainer> trainer_;
};

absl::StatusOr<std::unique_ptr<TokenizerTrainer>> NewBpeTrainerPlugin(
    const TokenizerTrainerOptions& o) {
  TrainerOptions options;
  options.vocab_size = o.vocab_size;
  options.min_frequency = o.min_frequency;
  options.add_prefix_space = o.add_prefix_space;
  if (!o.special_tokens.empty()) options.special_tokens = o.special_tokens;
  absl::StatusOr<std::unique_ptr<BpeTrainer>> trainer = BpeTrainer::Create(options);
  if (!trainer.ok()) return trainer.status();
  return std::make_unique<BpeTrainerPlugin>(std::move(*trainer));
}

const bool kRegistered =
    internal::CheckBuiltinRegistration(GlobalRegistries().tokenizer_trainers().Add(
        {"bpe", "byte-level BPE (GPT-2 pre-tokenization), written as a Hugging Face tokenizer.json",
         "built-in", &NewBpeTrainerPlugin}));

}  // namespace
}  // namespace vlmlab::bpe
