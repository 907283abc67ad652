// `mlp` through its registry entry: layer dims for layers / hidden_dim, OutputShape ==
// Project's shape, values against the composed ops, gradients, FLOPs.
#include "platform/nn/mlp.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_testing.h"

namespace vlmlab {
namespace {

const VisualShape kIn{16, 6, 4, 4, false};

TEST(MlpProjector, LayersAndHiddenDim) {
  for (int layers : {1, 2, 3}) {
    for (int hidden_dim : {0, 5}) {
      MlpProjectorOptions o;
      o.set_layers(layers);
      o.set_hidden_dim(hidden_dim);
      std::unique_ptr<Projector> p = BuildProjector("mlp", o, kIn, Llm(10));
      ExpectProjectShape(*p, kIn, Llm(10), 2);
      const nn::TensorMap s = p->StateDict();
      const int64_t h = hidden_dim > 0 ? hidden_dim : 10;
      EXPECT_EQ(s.at("mlp.layers.0.weight").shape(), (Shape{layers == 1 ? 10 : h, 6}));
      EXPECT_EQ(s.count(absl::StrCat("mlp.layers.", layers - 1, ".weight")), 1u);
      EXPECT_EQ(s.count(absl::StrCat("mlp.layers.", layers, ".weight")), 0u);
      double flops =
          layers == 1 ? 2.0 * 6 * 10 : 2.0 * 6 * h + 2.0 * (layers - 2) * h * h + 2.0 * h * 10;
      EXPECT_DOUBLE_EQ(p->ForwardFlops(kIn, Llm(10)), 16 * flops);
    }
  }
}

TEST(MlpProjector, ValuesAreLinearGeluLinear) {
  MlpProjectorOptions o;  // 2 layers, GELU
  std::unique_ptr<Projector> p = BuildProjector("mlp", o, kIn, Llm(10));
  const nn::TensorMap s = p->StateDict();
  EncodedImages e = RandomEncoded(2, kIn, 7);
  Tensor h = ops::Linear(e.tokens, s.at("mlp.layers.0.weight"), s.at("mlp.layers.0.bias")).value();
  h = ops::Gelu(h, /*tanh_approximation=*/false).value();
  Tensor want = ops::Linear(h, s.at("mlp.layers.1.weight"), s.at("mlp.layers.1.bias")).value();
  EXPECT_LT(MaxAbsDiff(p->Project(e).value(), want), 1e-6);
  for (Activation a : {GELU, SILU, RELU}) {
    o.set_activation(a);
    std::unique_ptr<Projector> q = BuildProjector("mlp", o, kIn, Llm(10));
    GradCheckOptions gc;
    gc.eps = 1e-3;  // a step of 1e-2 lets ReLU inputs cross the kink
    absl::Status g = GradCheckProjector(*q, RandomEncoded(1, kIn, 8),
                                        {"mlp.layers.0.weight", "mlp.layers.1.bias"}, gc);
    EXPECT_TRUE(g.ok()) << Activation_Name(a) << ": " << g;
  }
}

}  // namespace
}  // namespace vlmlab
