// Parameter counts and FLOPs of an assembled model against hand counts.
#include "platform/model/costs.h"

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/model/testing/tiny_models.h"

namespace vlmlab {
namespace {

const PluginRegistries& Registries() {
  static PluginRegistries* r = [] {
    auto* regs = new PluginRegistries();
    model_testing::RegisterTinyPlugins(*regs);
    return regs;
  }();
  return *r;
}

std::unique_ptr<VlmModel> Build(const std::string& fusion) {
  Model m;
  CHECK(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        encoder { vit { image_size: 8 patch_size: 4 channels: 3 width: 12 } }
        projector { linear {} }
        llm { llama { hidden: 16 layers: 2 heads: 2 max_seq_len: 64 } }
      )pb",
      &m));
  CHECK(google::protobuf::TextFormat::ParseFromString(fusion, m.mutable_fusion()));
  absl::StatusOr<std::unique_ptr<VlmModel>> model = BuildVlm(m, Registries(), 0);
  CHECK(model.ok()) << model.status();
  return std::move(*model);
}

TEST(CountCosts, ParametersAndTokensByHand) {
  auto m = Build("self_attention {}");
  // encoder: Linear(48 -> 12) = 588; projector: Linear(12 -> 16) = 208; fusion: none.
  // llm: embed 264*16; 2 blocks of (2 RMSNorm 16 + q,k,v,o 4*256 + SwiGLU 3*16*32); norm 16;
  // head 16*264.
  const int64_t llm = 264 * 16 + 2 * (2 * 16 + 4 * 256 + 3 * 16 * 32) + 16 + 16 * 264;
  ModelCosts c = CountCosts(*m);
  EXPECT_EQ(c.parameters, 588 + 208 + llm);
  EXPECT_EQ(c.trainable_parameters, c.parameters);
  m->SetTrainable("encoder.*", false);
  EXPECT_EQ(CountCosts(*m).trainable_parameters, 208 + llm);
  EXPECT_EQ(c.visual_tokens_per_image, 4);
  EXPECT_EQ(c.sequence_tokens_per_image, 6);  // 4 placeholders + 2 delimiters
  EXPECT_EQ(CountCosts(*Build("cross_attention {every_n_layers: 1}")).sequence_tokens_per_image, 1);
}

TEST(ForwardFlops, SumOfThePluginsForTheSequence) {
  auto m = Build("self_attention {}");
  FlopsBreakdown f = ForwardFlopsPerSample(*m, /*text_tokens=*/10, /*images=*/2);
  EXPECT_EQ(f.sequence_tokens, 10 + 2 * 6);
  EXPECT_EQ(f.encoder, 2 * (2.0 * 4 * 48 * 12));
  EXPECT_EQ(f.projector, 2 * (2.0 * 4 * 12 * 16));
  EXPECT_EQ(f.fusion, 0);
  // TinyLlm: 2 T (layers (4 h^2 + 6 h^2) + h V) + 4 layers T^2 h at T = 22.
  const double t = 22, h = 16;
  EXPECT_EQ(f.llm, 2 * t * (2 * (4 * h * h + 6 * h * h) + h * 264) + 4.0 * 2 * t * t * h);
  EXPECT_EQ(f.total(), f.encoder + f.projector + f.llm);
  EXPECT_EQ(TrainingFlopsPerSample(*m, 10, 2), 3 * f.total());
  // No images: only the LLM on the text.
  FlopsBreakdown text = ForwardFlopsPerSample(*m, 10, 0);
  EXPECT_EQ(text.encoder, 0);
  EXPECT_EQ(text.sequence_tokens, 10);
}

TEST(ForwardFlops, CrossAttentionAddsItsLayers) {
  auto m = Build("cross_attention { every_n_layers: 1 mlp_ratio: 0 }");
  FlopsBreakdown f = ForwardFlopsPerSample(*m, 10, 1);
  EXPECT_EQ(f.sequence_tokens, 11);
  // 2 layers: q, o (4 T h^2), k, v (4 K h^2), scores + mix (4 T K h), K = 4, T = 11.
  const double t = 11, k = 4, h = 16;
  EXPECT_EQ(f.fusion, 2 * (4 * t * h * h + 4 * k * h * h + 4 * t * k * h));
}

}  // namespace
}  // namespace vlmlab
