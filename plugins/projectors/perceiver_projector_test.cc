// `perceiver` through its registry entry: OutputShape == Project's shape, the fit errors,
// invariance to the order of the visual tokens (no positions), gradients with respect to the
// tokens and the latents / attention / input MLP, FLOPs.
#include <numeric>

#include "gmock/gmock.h"
#include "platform/ops/embedding_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_testing.h"

namespace vlmlab {
namespace {

PerceiverOptions Small() {
  PerceiverOptions o;
  o.set_num_latents(3);
  o.set_depth(2);
  o.set_heads(2);
  o.set_mlp_ratio(2);
  return o;
}

const VisualShape kIn{1 + 9, 6, 3, 3, true};

TEST(PerceiverProjector, ShapesAndFitErrors) {
  std::unique_ptr<Projector> p = BuildProjector("perceiver", Small(), kIn, Llm(8));
  absl::StatusOr<VisualShape> out = p->OutputShape(kIn, Llm(8));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->tokens, 3);
  EXPECT_EQ(out->dim, 8);
  EXPECT_EQ(out->grid_h, 0);
  ExpectProjectShape(*p, kIn, Llm(8), 2);
  EXPECT_EQ(p->StateDict().at("latents").shape(), (Shape{3, 8}));
  EXPECT_EQ(p->StateDict().at("layers.1.mlp.layers.0.weight").shape(), (Shape{16, 8}));
  EXPECT_EQ(p->StateDict().at("input_mlp.layers.0.weight").shape(), (Shape{8, 6}));
  PerceiverOptions no_mlp = Small();
  no_mlp.set_input_mlp(false);
  absl::StatusOr<VisualShape> bad = CreateProjector("perceiver", no_mlp)->OutputShape(kIn, Llm(8));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("set input_mlp: true"));
  const VisualShape same{10, 8, 0, 0, false};
  std::unique_ptr<Projector> q = BuildProjector("perceiver", no_mlp, same, Llm(8));
  ExpectProjectShape(*q, same, Llm(8), 1);
  EXPECT_FALSE(CreateProjector("perceiver", Small())->OutputShape(kIn, Llm(9)).ok());  // heads
}

TEST(PerceiverProjector, InvariantToTheOrderOfVisualTokens) {
  std::unique_ptr<Projector> p = BuildProjector("perceiver", Small(), kIn, Llm(8));
  EncodedImages e = RandomEncoded(1, kIn, 3);
  std::vector<int32_t> order(10);
  std::iota(order.rbegin(), order.rend(), 0);  // reversed
  EncodedImages r = e;
  r.tokens =
      ops::Embedding(Tensor::FromInts({1, 10}, order), ops::Reshape(e.tokens, {10, 6}).value())
          .value();
  EXPECT_LT(MaxAbsDiff(p->Project(e).value(), p->Project(r).value()), 1e-5);
  EncodedImages other = RandomEncoded(1, kIn, 4);
  EXPECT_GT(MaxAbsDiff(p->Project(e).value(), p->Project(other).value()), 1e-3);
}

TEST(PerceiverProjector, GradientsAndFlops) {
  std::unique_ptr<Projector> p = BuildProjector("perceiver", Small(), kIn, Llm(8));
  GradCheckOptions gc;
  gc.max_elements_per_input = 24;
  absl::Status s =
      GradCheckProjector(*p, RandomEncoded(2, kIn, 6),
                         {"latents", "layers.0.attn.q.weight", "layers.1.attn.v.weight",
                          "input_mlp.layers.0.weight", "layers.1.norm_context.weight"},
                         gc);
  EXPECT_TRUE(s.ok()) << s;
  // t = 10, l = 3, h = 8, d = 6, m = 16, 2 layers.
  const double input = 2.0 * 10 * (6 * 8 + 8 * 8);
  const double layer =
      2.0 * 3 * 8 * 8 * 2 + 2.0 * 13 * 8 * 8 * 2 + 4.0 * 3 * 13 * 8 + 4.0 * 3 * 8 * 16;
  EXPECT_DOUBLE_EQ(p->ForwardFlops(kIn, Llm(8)), input + 2 * layer);
}

}  // namespace
}  // namespace vlmlab
