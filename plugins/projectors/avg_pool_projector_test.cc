// `avg_pool` through its registry entry: CLS dropped, OutputShape == Project's shape, values by
// hand (block means, then the linear map), gradients, FLOPs, grid errors.
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_testing.h"

namespace vlmlab {
namespace {

TEST(AvgPoolProjector, ShapesValuesGradients) {
  const VisualShape in{1 + 16, 2, 4, 4, true};
  AvgPoolProjectorOptions o;  // kernel 2
  std::unique_ptr<Projector> p = BuildProjector("avg_pool", o, in, Llm(3));
  ExpectProjectShape(*p, in, Llm(3), 2);
  EncodedImages e = RandomEncoded(1, in, 2);
  std::vector<float> x = e.tokens.ToVector(), w = p->StateDict().at("proj.weight").ToVector(),
                     b = p->StateDict().at("proj.bias").ToVector(), y = p->Project(e)->ToVector();
  ASSERT_EQ(y.size(), 4u * 3);
  for (int by = 0; by < 2; ++by) {
    for (int bx = 0; bx < 2; ++bx) {
      double mean[2] = {0, 0};
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const int token = 1 + (by * 2 + dy) * 4 + bx * 2 + dx;  // after the CLS token
          for (int c = 0; c < 2; ++c) mean[c] += x[token * 2 + c] / 4.0;
        }
      }
      for (int o2 = 0; o2 < 3; ++o2) {
        const double want = b[o2] + mean[0] * w[o2 * 2] + mean[1] * w[o2 * 2 + 1];
        EXPECT_NEAR(y[(by * 2 + bx) * 3 + o2], want, 1e-5);
      }
    }
  }
  EXPECT_TRUE(GradCheckProjector(*p, RandomEncoded(2, in, 3), {"proj.weight"}).ok());
  EXPECT_DOUBLE_EQ(p->ForwardFlops(in, Llm(3)), 4 * 2.0 * 2 * 3);
  o.set_kernel(3);
  EXPECT_FALSE(CreateProjector("avg_pool", o)->OutputShape(in, Llm(3)).ok());
  std::unique_ptr<Projector> k3 =
      BuildProjector("avg_pool", o, VisualShape{36, 2, 6, 6, false}, Llm(3));
  ExpectProjectShape(*k3, VisualShape{36, 2, 6, 6, false}, Llm(3), 1);
  absl::StatusOr<Tensor> r = k3->Project(RandomEncoded(1, VisualShape{16, 2, 4, 4, false}, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("kernel 3 does not divide the 4x4"),
            std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace vlmlab
