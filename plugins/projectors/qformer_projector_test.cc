// `qformer` through its registry entry: shapes and parameter shapes from every option, the
// heads error, padding tokens masked out of the cross-attention, gradients and FLOPs.
#include "platform/nn/init.h"
#include "platform/ops/shape_ops.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_testing.h"

namespace vlmlab {
namespace {

QFormerOptions Small() {
  QFormerOptions o;
  o.set_num_queries(3);
  o.set_hidden(4);
  o.set_depth(2);
  o.set_heads(2);
  o.set_mlp_ratio(2);
  return o;
}

const VisualShape kIn{1 + 9, 6, 3, 3, true};

TEST(QFormerProjector, ShapesFollowEveryOption) {
  std::unique_ptr<Projector> p = BuildProjector("qformer", Small(), kIn, Llm(8));
  absl::StatusOr<VisualShape> out = p->OutputShape(kIn, Llm(8));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->tokens, 3);
  EXPECT_EQ(out->dim, 8);
  ExpectProjectShape(*p, kIn, Llm(8), 2);
  const nn::TensorMap sd = p->StateDict();
  EXPECT_EQ(sd.at("queries").shape(), (Shape{3, 4}));                       // num_queries, hidden
  EXPECT_EQ(sd.at("layers.1.mlp.layers.0.weight").shape(), (Shape{8, 4}));  // mlp_ratio 2
  EXPECT_EQ(sd.at("layers.0.cross_attn.k.weight").shape(), (Shape{4, 6}));  // from D_enc
  EXPECT_EQ(sd.at("output.weight").shape(), (Shape{8, 4}));
  EXPECT_TRUE(sd.count("layers.1.cross_attn.q.weight"));  // every layer cross-attends
  EXPECT_FALSE(sd.count("layers.2.self_attn.q.weight"));  // depth 2

  QFormerOptions blip2 = Small();
  blip2.set_cross_attention_every(2);
  blip2.clear_hidden();  // the LLM's 8
  std::unique_ptr<Projector> b = BuildProjector("qformer", blip2, kIn, Llm(8));
  const nn::TensorMap bd = b->StateDict();
  EXPECT_TRUE(bd.count("layers.0.cross_attn.q.weight"));
  EXPECT_FALSE(bd.count("layers.1.cross_attn.q.weight"));
  EXPECT_EQ(bd.at("queries").shape(), (Shape{3, 8}));

  QFormerOptions bad = Small();
  bad.set_heads(3);
  absl::StatusOr<VisualShape> refused = CreateProjector("qformer", bad)->OutputShape(kIn, Llm(8));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("does not divide the query width 4"),
            std::string::npos);
}

TEST(QFormerProjector, HeadsChangeTheOutputNotTheParameters) {
  QFormerOptions two = Small(), one = Small();
  one.set_heads(1);
  std::unique_ptr<Projector> a = BuildProjector("qformer", two, kIn, Llm(8));
  std::unique_ptr<Projector> b = BuildProjector("qformer", one, kIn, Llm(8));
  ASSERT_TRUE(b->LoadStateDict(a->StateDict()).ok());  // same names and shapes
  EncodedImages e = RandomEncoded(1, kIn, 3);
  EXPECT_GT(MaxAbsDiff(a->Project(e).value(), b->Project(e).value()), 1e-4);
}

TEST(QFormerProjector, PaddingTokensAreMaskedOutOfTheCrossAttention) {
  const VisualShape grid{9, 6, 3, 3, false};
  std::unique_ptr<Projector> p = BuildProjector("qformer", Small(), grid, Llm(8));
  EncodedImages alone = RandomEncoded(1, grid, 5);
  // The same 9 tokens followed by 3 padding tokens of noise.
  EncodedImages padded;
  padded.tokens = ops::Concat({alone.tokens, Tensor::RandN({1, 3, 6}, 9, 5.0f)}, 1).value();
  padded.token_mask = Tensor::FromInts({1, 12}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0});
  EXPECT_LT(MaxAbsDiff(p->Project(alone).value(), p->Project(padded).value()), 1e-5);
  padded.token_mask = Tensor();
  EXPECT_GT(MaxAbsDiff(p->Project(alone).value(), p->Project(padded).value()), 1e-4);
}

TEST(QFormerProjector, GradientsAndFlops) {
  QFormerOptions o = Small();
  o.set_cross_attention_every(2);
  std::unique_ptr<Projector> p = BuildProjector("qformer", o, kIn, Llm(8));
  // Queries of order one: at BERT's 0.02 the LayerNorm over them is too curved for a
  // finite difference of step 1e-2.
  ASSERT_TRUE(nn::AssignValues(p->StateDict().at("queries"), Tensor::RandN({3, 4}, 11)).ok());
  GradCheckOptions gc;
  gc.max_elements_per_input = 24;
  absl::Status s = GradCheckProjector(
      *p, RandomEncoded(2, kIn, 6),
      {"queries", "layers.0.cross_attn.k.weight", "layers.1.self_attn.v.weight",
       "layers.0.norm_cross.weight", "ln_vision.weight", "output.weight"},
      gc);
  EXPECT_TRUE(s.ok()) << s;
  // t = 10, q = 3, w = 4, d = 6, m = 8, H = 8; layer 0 cross-attends, layer 1 does not.
  const double self = 2.0 * 3 * 4 * 4 * 4 + 4.0 * 3 * 3 * 4;
  const double cross = 2.0 * 3 * 4 * 4 * 2 + 2.0 * 10 * 6 * 4 * 2 + 4.0 * 3 * 10 * 4;
  const double mlp = 4.0 * 3 * 4 * 8;
  EXPECT_DOUBLE_EQ(p->ForwardFlops(kIn, Llm(8)), 2.0 * 3 * 4 * 8 + 2 * (self + mlp) + cross);
}

}  // namespace
}  // namespace vlmlab
