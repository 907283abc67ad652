#include "platform/eval/text_generator.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/data/chat_template.h"
#include "platform/eval/eval_batches.h"
#include "platform/model/generate.h"
#include "platform/spec/slot_resolver.h"
#include "platform/spec/tokenizers.pb.h"
#include "platform/weights/safetensors.h"

namespace vlmlab::eval {
namespace {

class VlmGenerator : public TextGenerator {
 public:
  explicit VlmGenerator(std::unique_ptr<VlmModel> model) : model_(std::move(model)) {}

  absl::StatusOr<std::vector<std::string>> Generate(const std::vector<std::string>& prompts,
                                                    const GenerationSpec& generation,
                                                    int batch_size, uint64_t seed) override {
    std::vector<Sample> samples(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) samples[i].key = absl::StrCat("judge/", i);
    // Empty contexts: a prompt longer than the model's context is an error, never cut.
    return GenerateReplies(*model_, samples, prompts, generation, batch_size, seed,
                           Contexts(prompts.size()));
  }

 private:
  std::unique_ptr<VlmModel> model_;
};

class LlmGenerator : public TextGenerator {
 public:
  LlmGenerator(std::unique_ptr<Llm> llm, std::unique_ptr<Tokenizer> tokenizer)
      : llm_(std::move(llm)), tokenizer_(std::move(tokenizer)) {}

  absl::StatusOr<std::vector<std::string>> Generate(const std::vector<std::string>& prompts,
                                                    const GenerationSpec& generation,
                                                    int batch_size, uint64_t seed) override {
    data::ChatTemplateOptions chat;
    chat.add_eos = false;
    chat.max_length = llm_->Shape().max_seq_len;
    const int32_t pad = data::PadId(*tokenizer_);
    GenerationOptions g = GenerationOptionsFor(generation, *tokenizer_, seed);
    std::vector<std::string> replies;
    NoGradScope no_grad;
    batch_size = std::max(batch_size, 1);
    for (size_t begin = 0; begin < prompts.size(); begin += batch_size) {
      const size_t end = std::min(prompts.size(), begin + batch_size);
      std::vector<std::vector<int32_t>> rows;
      int64_t t = 0;
      for (size_t i = begin; i < end; ++i) {
        const Turn turns[] = {{Turn::kUser, prompts[i]}, {Turn::kAssistant, ""}};
        VLMLAB_ASSIGN_OR_RETURN(data::TokenizedSample ts,
                                data::ApplyChatTemplate(turns, {}, *tokenizer_, chat));
        if (ts.truncated) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "prompt ", i, " is longer than the LLM's max_seq_len of ", chat.max_length,
              " tokens; use a judge with a longer context"));
        }
        t = std::max<int64_t>(t, ts.input_ids.size());
        rows.push_back(std::move(ts.input_ids));
      }
      const int64_t b = static_cast<int64_t>(rows.size());
      std::vector<int32_t> ids(b * t, pad), mask(b * t, 0);  // left padding
      for (int64_t r = 0; r < b; ++r) {
        const int64_t off = t - static_cast<int64_t>(rows[r].size());
        for (size_t j = 0; j < rows[r].size(); ++j) {
          ids[r * t + off + j] = rows[r][j];
          mask[r * t + off + j] = 1;
        }
      }
      VLMLAB_ASSIGN_OR_RETURN(Tensor prefix, llm_->Embed(Tensor::FromInts({b, t}, ids)));
      g.seed = seed + begin;
      VLMLAB_ASSIGN_OR_RETURN(
          std::vector<GeneratedSequence> out,
          vlmlab::Generate(*llm_, prefix, Tensor::FromInts({b, t}, mask), nullptr, g));
      for (const GeneratedSequence& seq : out) {
        VLMLAB_ASSIGN_OR_RETURN(std::string text, ReplyText(*tokenizer_, seq, generation));
        replies.push_back(std::move(text));
      }
    }
    return replies;
  }

 private:
  std::unique_ptr<Llm> llm_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace

std::unique_ptr<TextGenerator> VlmTextGenerator(std::unique_ptr<VlmModel> model) {
  return std::make_unique<VlmGenerator>(std::move(model));
}

absl::StatusOr<std::unique_ptr<TextGenerator>> LoadLlmGenerator(
    const LlmSlot& llm_slot, const TokenizerSlot& tokenizer_slot, const std::string& weights_path,
    const PluginRegistries& registries, uint64_t seed) {
  BuildContext context{seed, &registries};
  TokenizerSlot tok_slot = tokenizer_slot;
  if (tok_slot.plugin_case() == TokenizerSlot::PLUGIN_NOT_SET) tok_slot.mutable_byte();
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      CreateFromSlot<Tokenizer>(tok_slot, registries, context);
  if (!tokenizer.ok()) {
    return absl::Status(tokenizer.status().code(),
                        absl::StrCat("judge_tokenizer: ", tokenizer.status().message()));
  }
  absl::StatusOr<std::unique_ptr<Llm>> llm = CreateFromSlot<Llm>(llm_slot, registries, context);
  if (!llm.ok()) {
    return absl::Status(llm.status().code(), absl::StrCat("judge: ", llm.status().message()));
  }
  int64_t vocab = (*llm)->Shape().vocab_size;
  const int64_t tok_vocab = (*tokenizer)->vocab_size();
  if (vocab == 0) vocab = tok_vocab;
  if (vocab < tok_vocab) {
    return absl::InvalidArgumentError(absl::StrCat("judge: vocab_size ", vocab,
                                                   " is smaller than the judge tokenizer's ",
                                                   tok_vocab));
  }
  VLMLAB_RETURN_IF_ERROR((*llm)->Build(vocab));
  (*llm)->Initialize(seed);
  absl::StatusOr<weights::SafetensorsFile> file = weights::ReadSafetensors(weights_path);
  if (!file.ok()) {
    return absl::Status(file.status().code(),
                        absl::StrCat("judge_checkpoint: ", file.status().message()));
  }
  // A vlmlab checkpoint of a whole model: keep the LLM's part, without its prefix.
  nn::TensorMap tensors;
  bool checkpoint_names = false;
  for (const auto& [name, t] : file->tensors) {
    if (absl::StartsWith(name, "llm.")) checkpoint_names = true;
  }
  for (const auto& [name, t] : file->tensors) {
    if (!checkpoint_names) {
      tensors.emplace(name, t);
    } else if (absl::StartsWith(name, "llm.")) {
      tensors.emplace(name.substr(4), t);
    }
  }
  absl::Status loaded = (*llm)->LoadStateDict(tensors);
  if (!loaded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("judge_checkpoint ", weights_path, " does not fit the judge LLM: ",
                     loaded.message()));
  }
  return std::unique_ptr<TextGenerator>(
      std::make_unique<LlmGenerator>(std::move(*llm), std::move(*tokenizer)));
}

}  // namespace vlmlab::eval
