// Base of projectors that map each visual token on its own (linear, MLP): the token count,
// grid and CLS flag pass through, the width becomes the LLM's. A subclass supplies the network
// (registered as the child `child_name()`) and its per-token FLOPs.
//
//   class LinearProjector : public TokenwiseProjector {
//     std::unique_ptr<nn::Module> MakeNet(int64_t in, int64_t hidden) const override;
//     double FlopsPerToken(int64_t in, int64_t hidden) const override;   // 2 * in * hidden
//   };
#ifndef VLMLAB_PLUGINS_PROJECTORS_TOKENWISE_PROJECTOR_H_
#define VLMLAB_PLUGINS_PROJECTORS_TOKENWISE_PROJECTOR_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/plugin_api/model_plugins.h"
#include "plugins/projectors/projector_util.h"

namespace vlmlab {

class TokenwiseProjector : public Projector {
 public:
  TokenwiseProjector(const char* name, const char* child_name, uint64_t seed)
      : name_(name), child_name_(child_name), seed_(seed) {}

  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    return VisualShape{in.tokens, llm.hidden, in.grid_h, in.grid_w, in.cls};
  }

  absl::Status Build(const VisualShape& in, const LlmShape& llm) override {
    if (built_) return absl::FailedPreconditionError(absl::StrCat(name_, ": Build called twice"));
    if (in.dim < 1 || llm.hidden < 1) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": encoder width ", in.dim,
                                                     " and LLM hidden size ", llm.hidden,
                                                     " must be positive"));
    }
    in_dim_ = in.dim;
    net_ = RegisterModule(child_name_, MakeNet(in.dim, llm.hidden));
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  // [N, T, D_enc] -> [N, T, hidden]
  absl::StatusOr<Tensor> Project(const EncodedImages& in) override {
    VLMLAB_RETURN_IF_ERROR(CheckProjectorInput(name_, built_, in, in_dim_));
    return net_->Forward(in.tokens);
  }

  Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const override {
    return static_cast<double>(in.tokens) * FlopsPerToken(in.dim, llm.hidden);
  }

 protected:
  virtual std::unique_ptr<nn::Module> MakeNet(int64_t in, int64_t hidden) const = 0;
  virtual double FlopsPerToken(int64_t in, int64_t hidden) const = 0;

 private:
  const char* name_;
  const char* child_name_;
  uint64_t seed_;
  bool built_ = false;
  int64_t in_dim_ = 0;
  nn::Submodule net_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_PROJECTORS_TOKENWISE_PROJECTOR_H_
