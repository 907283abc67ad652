// `linear` through its registry entry: OutputShape == Project's shape (CLS and grid pass
// through), values by hand, no-bias option, gradients, FLOPs, errors.
#include <set>

#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_testing.h"

namespace vlmlab {
namespace {

const VisualShape kIn{17, 6, 4, 4, true};

TEST(LinearProjector, ShapeValuesAndGradients) {
  std::unique_ptr<Projector> p = BuildProjector("linear", LinearProjectorOptions(), kIn, Llm(10));
  absl::StatusOr<VisualShape> out = p->OutputShape(kIn, Llm(10));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->tokens, 17);
  EXPECT_EQ(out->dim, 10);
  EXPECT_EQ(out->grid_h, 4);
  EXPECT_TRUE(out->cls);
  ExpectProjectShape(*p, kIn, Llm(10), 2);
  // y[t, o] = sum_i x[t, i] w[o, i] + b[o]
  EncodedImages e = RandomEncoded(1, kIn, 3);
  std::vector<float> x = e.tokens.ToVector(), w = p->StateDict().at("proj.weight").ToVector(),
                     b = p->StateDict().at("proj.bias").ToVector(), y = p->Project(e)->ToVector();
  for (int t = 0; t < 17; ++t) {
    for (int o = 0; o < 10; ++o) {
      double s = b[o];
      for (int i = 0; i < 6; ++i) s += double{x[t * 6 + i]} * w[o * 6 + i];
      EXPECT_NEAR(y[t * 10 + o], s, 1e-5);
    }
  }
  EXPECT_TRUE(GradCheckProjector(*p, RandomEncoded(2, kIn, 4), {"proj.weight", "proj.bias"}).ok());
  EXPECT_DOUBLE_EQ(p->ForwardFlops(kIn, Llm(10)), 17 * 2.0 * 6 * 10);
}

TEST(LinearProjector, NoBiasAndErrors) {
  LinearProjectorOptions o;
  o.set_bias(false);
  std::unique_ptr<Projector> p = BuildProjector("linear", o, kIn, Llm(10));
  std::set<std::string> names;
  for (const auto& [n, t] : p->NamedParameters()) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"proj.weight"}));
  EncodedImages wrong = RandomEncoded(1, VisualShape{17, 5, 4, 4, true}, 1);
  absl::StatusOr<Tensor> r = p->Project(wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("do not match the encoder width 6"),
            std::string::npos)
      << r.status();
  std::unique_ptr<Projector> unbuilt = CreateProjector("linear", o);
  EXPECT_EQ(unbuilt->Project(RandomEncoded(1, kIn, 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Same seed, same parameters.
  EXPECT_EQ(BuildProjector("linear", o, kIn, Llm(10), 3)->StateDict().at("proj.weight").ToVector(),
            BuildProjector("linear", o, kIn, Llm(10), 3)->StateDict().at("proj.weight").ToVector());
}

}  // namespace
}  // namespace vlmlab
