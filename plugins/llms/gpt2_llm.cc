// `gpt2`: a GPT-2 backbone (LayerNorm, learned positions, GELU MLP). Registers options,
// validation and shape; the forward pass arrives with the model issue.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/llms.pb.h"

namespace vlmlab {
namespace {

class Gpt2Llm : public Llm {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build(int64_t) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Embed(const Tensor&) override { return absl::UnimplementedError("llm"); }
  absl::StatusOr<Tensor> Run(const LlmInputs&) override { return absl::UnimplementedError("llm"); }
  absl::StatusOr<Tensor> Logits(const Tensor&) override {
    return absl::UnimplementedError("llm");
  }
  std::unique_ptr<KvCache> NewCache(int64_t, int64_t) const override { return nullptr; }
  Flops ForwardFlops(int64_t) const override { return 0; }
  explicit Gpt2Llm(const Gpt2Options& options) : options_(options) {}
  LlmShape Shape() const override {
    return LlmShape{options_.hidden(), options_.layers(),     options_.heads(),
                    options_.heads(),  options_.vocab_size(), options_.max_seq_len()};
  }

 private:
  Gpt2Options options_;
};

void ValidateGpt2(const Gpt2Options& o, ValidationContext& ctx) {
  if (o.heads() > 0 && o.hidden() % o.heads() != 0) {
    ctx.Error("heads", absl::StrCat(o.heads(), " heads do not divide hidden ", o.hidden()));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Llm, Gpt2Options, "gpt2", "GPT-2: LayerNorm, learned positions, GELU MLP",
    [](const Gpt2Options& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Llm>> {
      return std::make_unique<Gpt2Llm>(o);
    },
    ValidateGpt2);

}  // namespace
}  // namespace vlmlab
