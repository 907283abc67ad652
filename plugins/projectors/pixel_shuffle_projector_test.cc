// `pixel_shuffle` through its registry entry: CLS dropped, OutputShape == Project's shape
// (square and non-square grids), values against PixelShuffle + MLP, gradients, FLOPs, errors
// for grids the factor does not divide and for tokens without a grid.
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/vision_ops.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_testing.h"

namespace vlmlab {
namespace {

const VisualShape kIn{17, 3, 4, 4, true};

TEST(PixelShuffleProjector, ShapesValuesGradients) {
  PixelShuffleOptions o;  // factor 2, 1 layer
  std::unique_ptr<Projector> p = BuildProjector("pixel_shuffle", o, kIn, Llm(8));
  absl::StatusOr<VisualShape> out = p->OutputShape(kIn, Llm(8));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->tokens, 4);
  EXPECT_EQ(out->grid_h, 2);
  EXPECT_FALSE(out->cls);
  ExpectProjectShape(*p, kIn, Llm(8), 2);
  EXPECT_EQ(p->StateDict().at("mlp.layers.0.weight").shape(), (Shape{8, 12}));
  // Values: drop CLS, shuffle, linear.
  EncodedImages e = RandomEncoded(2, kIn, 3);
  Tensor grid = ops::Slice(e.tokens, 1, 1, 17).value();
  Tensor want =
      ops::Linear(ops::PixelShuffle(grid, 4, 4, 2).value(),
                  p->StateDict().at("mlp.layers.0.weight"), p->StateDict().at("mlp.layers.0.bias"))
          .value();
  EXPECT_LT(MaxAbsDiff(p->Project(e).value(), want), 1e-6);
  // CLS gets no gradient; everything else matches finite differences.
  EXPECT_TRUE(GradCheckProjector(*p, RandomEncoded(1, kIn, 4), {"mlp.layers.0.weight"}).ok());
  EXPECT_DOUBLE_EQ(p->ForwardFlops(kIn, Llm(8)), 4 * 2.0 * 12 * 8);
  // Two layers, a non-square grid without CLS.
  o.set_layers(2);
  o.set_activation(SILU);
  const VisualShape wide{2 * 6, 3, 2, 6, false};
  std::unique_ptr<Projector> q = BuildProjector("pixel_shuffle", o, wide, Llm(8));
  ExpectProjectShape(*q, wide, Llm(8), 3);
  EXPECT_TRUE(GradCheckProjector(*q, RandomEncoded(1, wide, 5), {"mlp.layers.1.weight"}).ok());
  EXPECT_DOUBLE_EQ(q->ForwardFlops(wide, Llm(8)), 3 * (2.0 * 12 * 8 + 2.0 * 8 * 8));
}

TEST(PixelShuffleProjector, GridErrors) {
  PixelShuffleOptions o;
  o.set_factor(2);
  std::unique_ptr<Projector> p = BuildProjector("pixel_shuffle", o, kIn, Llm(8));
  EXPECT_FALSE(p->OutputShape(VisualShape{9, 3, 3, 3, false}, Llm(8)).ok());
  // A native-resolution batch whose grid the factor does not divide.
  absl::StatusOr<Tensor> r = p->Project(RandomEncoded(1, VisualShape{1 + 6, 3, 2, 3, true}, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("factor 2 does not divide the 2x3 patch grid"),
            std::string::npos)
      << r.status();
  // Patch-dropped tokens: no grid.
  r = p->Project(RandomEncoded(1, VisualShape{9, 3, 0, 0, true}, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("needs visual tokens on a patch grid"),
            std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace vlmlab
