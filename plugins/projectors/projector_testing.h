// Helpers of the projector tests: a projector built through its registry entry, random
// encoder outputs of a given VisualShape, the OutputShape == Project check, and finite-
// difference gradient checks with respect to the visual tokens and named parameters.
//
//   std::unique_ptr<Projector> p = BuildProjector("linear", LinearProjectorOptions(), in, llm);
//   ExpectProjectShape(*p, in, llm, /*images=*/2);
//   EXPECT_TRUE(GradCheckProjector(*p, RandomEncoded(2, in, 1), {"proj.weight"}).ok());
#ifndef VLMLAB_PLUGINS_PROJECTORS_PROJECTOR_TESTING_H_
#define VLMLAB_PLUGINS_PROJECTORS_PROJECTOR_TESTING_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {

inline std::unique_ptr<Projector> CreateProjector(const std::string& name,
                                                  const google::protobuf::Message& options,
                                                  uint64_t seed = 1) {
  const PluginEntry<Projector>* entry = GlobalRegistries().Get<Projector>().Find(name);
  CHECK(entry != nullptr) << name;
  absl::StatusOr<std::unique_ptr<Projector>> p =
      entry->create(options, BuildContext{seed, &GlobalRegistries()});
  CHECK(p.ok()) << p.status();
  return *std::move(p);
}

inline std::unique_ptr<Projector> BuildProjector(const std::string& name,
                                                 const google::protobuf::Message& options,
                                                 const VisualShape& in, const LlmShape& llm,
                                                 uint64_t seed = 1) {
  std::unique_ptr<Projector> p = CreateProjector(name, options, seed);
  absl::Status s = p->Build(in, llm);
  CHECK(s.ok()) << s;
  return p;
}

inline EncodedImages RandomEncoded(int64_t images, const VisualShape& in, uint64_t seed) {
  EncodedImages e;
  e.tokens = Tensor::RandN({images, in.tokens, in.dim}, seed);
  e.grid_h = in.grid_h;
  e.grid_w = in.grid_w;
  e.cls = in.cls;
  return e;
}

inline LlmShape Llm(int64_t hidden) {
  LlmShape s;
  s.hidden = hidden;
  s.layers = 2;
  s.heads = 2;
  return s;
}

// Project's output is [images, OutputShape.tokens, OutputShape.dim], finite.
inline void ExpectProjectShape(Projector& p, const VisualShape& in, const LlmShape& llm,
                               int64_t images) {
  absl::StatusOr<VisualShape> want = p.OutputShape(in, llm);
  ASSERT_TRUE(want.ok()) << want.status();
  absl::StatusOr<Tensor> out = p.Project(RandomEncoded(images, in, 5));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape(), (Shape{images, want->tokens, want->dim}));
  for (float v : out->ToVector()) ASSERT_TRUE(std::isfinite(v));
}

// GradCheck of Project with respect to the tokens of `in` and the parameters `params`.
inline absl::Status GradCheckProjector(Projector& p, const EncodedImages& in,
                                       const std::vector<std::string>& params,
                                       GradCheckOptions options = {}) {
  std::vector<Tensor> inputs = {in.tokens};
  const nn::TensorMap state = p.StateDict();
  for (const std::string& name : params) {
    auto it = state.find(name);
    if (it == state.end()) return absl::NotFoundError(absl::StrCat("no parameter ", name));
    inputs.push_back(it->second.To(DType::kF32));
  }
  Projector* proj = &p;
  return GradCheck(
      [proj, in, params](const std::vector<Tensor>& x) -> absl::StatusOr<Tensor> {
        for (size_t i = 0; i < params.size(); ++i) {
          absl::Status s = proj->SetParameter(params[i], x[i + 1]);
          if (!s.ok()) return s;
        }
        EncodedImages e = in;
        e.tokens = x[0];
        return proj->Project(e);
      },
      inputs, options);
}

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_PROJECTORS_PROJECTOR_TESTING_H_
