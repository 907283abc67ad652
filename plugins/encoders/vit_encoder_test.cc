// The `vit` encoder built through its registry entry: output shapes (square, CLS, sin-cos,
// native non-square resolution), blocks after output_layer not built, errors, gradients by
// finite differences (pixels and parameters, also through resized positions), determinism,
// FLIP patch dropping in training only, and the analytic FLOP count.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"
#include "plugins/encoders/patch_drop.h"
#include "plugins/encoders/position_embedding.h"

namespace vlmlab {
namespace {

VitOptions Tiny() {
  VitOptions o;
  o.set_image_size(8);
  o.set_patch_size(4);
  o.set_channels(3);
  o.set_width(8);
  o.set_depth(2);
  o.set_heads(2);
  o.set_mlp_ratio(2);
  return o;
}

std::unique_ptr<Encoder> MakeVit(const VitOptions& o, uint64_t seed = 7, bool build = true) {
  const PluginEntry<Encoder>* entry = GlobalRegistries().Get<Encoder>().Find("vit");
  CHECK(entry != nullptr);
  absl::StatusOr<std::unique_ptr<Encoder>> enc =
      entry->create(o, BuildContext{seed, &GlobalRegistries()});
  CHECK(enc.ok()) << enc.status();
  if (build) CHECK((*enc)->Build().ok());
  return *std::move(enc);
}

std::set<std::string> ParamNames(const Encoder& e) {
  std::set<std::string> names;
  for (const auto& [name, t] : e.NamedParameters()) names.insert(name);
  return names;
}

void ExpectError(const absl::StatusOr<EncodedImages>& r, const std::string& text) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << text;
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(text)) << r.status();
}

TEST(Vit, OutputShapeMatchesEncodeForSeveralConfigs) {
  std::vector<VitOptions> configs;
  configs.push_back(Tiny());  // SigLIP-like
  VitOptions clip = Tiny();
  clip.set_cls_token(true);
  clip.set_pre_norm(true);
  clip.set_post_norm(false);
  clip.set_activation(VitOptions::QUICK_GELU);
  clip.set_output_layer(-2);
  configs.push_back(clip);
  VitOptions sincos = Tiny();
  sincos.set_image_size(12);
  sincos.set_position_embedding(VitOptions::SINCOS_2D);
  sincos.set_cls_token(true);
  sincos.set_activation(VitOptions::GELU_ERF);
  configs.push_back(sincos);
  for (const VitOptions& o : configs) {
    SCOPED_TRACE(o.ShortDebugString());
    std::unique_ptr<Encoder> vit = MakeVit(o);
    const VisualShape shape = vit->OutputShape();
    const int64_t s = o.image_size();
    absl::StatusOr<EncodedImages> out = vit->Encode({Tensor::RandN({2, 3, s, s}, 1)});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->tokens.shape(), (Shape{2, shape.tokens, shape.dim}));
    EXPECT_EQ(out->grid_h, shape.grid_h);
    EXPECT_EQ(out->grid_w, shape.grid_w);
    EXPECT_EQ(out->cls, shape.cls);
    EXPECT_EQ(shape.tokens, shape.grid_h * shape.grid_w + (o.cls_token() ? 1 : 0));
    for (float v : out->tokens.ToVector()) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(Vit, NativeResolutionTakesNonSquareImagesAndReportsTheirGrid) {
  VitOptions o = Tiny();
  o.set_image_size(16);
  o.set_native_resolution(true);
  o.set_cls_token(true);
  for (VitOptions::PositionEmbedding pe : {VitOptions::LEARNED, VitOptions::SINCOS_2D}) {
    o.set_position_embedding(pe);
    std::unique_ptr<Encoder> vit = MakeVit(o);
    absl::StatusOr<EncodedImages> out = vit->Encode({Tensor::RandN({2, 3, 8, 16}, 2)});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->tokens.shape(), (Shape{2, 1 + 2 * 4, 8}));
    EXPECT_EQ(out->grid_h, 2);
    EXPECT_EQ(out->grid_w, 4);
    EXPECT_TRUE(out->cls);
    out = vit->Encode({Tensor::RandN({1, 3, 12, 4}, 3)});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->tokens.shape(), (Shape{1, 1 + 3 * 1, 8}));
    ExpectError(vit->Encode({Tensor::RandN({1, 3, 20, 4}, 3)}),
                "native_resolution takes sides up to the image size 16");
  }
}

TEST(Vit, PositionsAtTheConfiguredGridAreTheTableItself) {
  // The resize matrix of an unchanged grid is the identity, so M x table == table exactly.
  Tensor table = Tensor::RandN({16, 8}, 4);
  Tensor m = BilinearResizeMatrix(4, 4, 4, 4);
  EXPECT_EQ(ops::Matmul(m, table)->ToVector(), table.ToVector());
  // And a native-resolution encoder at full size computes what the fixed-size one does.
  VitOptions o = Tiny();
  std::unique_ptr<Encoder> fixed = MakeVit(o, 3);
  o.set_native_resolution(true);
  std::unique_ptr<Encoder> native = MakeVit(o, 3);
  Tensor x = Tensor::RandN({2, 3, 8, 8}, 5);
  EXPECT_EQ(fixed->Encode({x})->tokens.ToVector(), native->Encode({x})->tokens.ToVector());
}

TEST(Vit, OnlyBlocksUpToTheOutputLayerAreBuilt) {
  VitOptions o = Tiny();
  o.set_depth(4);
  o.set_output_layer(-3);  // block 1
  std::set<std::string> names = ParamNames(*MakeVit(o));
  EXPECT_TRUE(names.count("blocks.1.fc2.weight"));
  EXPECT_FALSE(names.count("blocks.2.norm1.weight"));
  o.set_output_layer(0);
  names = ParamNames(*MakeVit(o));
  EXPECT_TRUE(names.count("blocks.0.attn.q.weight"));
  EXPECT_FALSE(names.count("blocks.1.attn.q.weight"));
  EXPECT_TRUE(names.count("post_norm.weight"));
  EXPECT_TRUE(names.count("pos_embed"));
  EXPECT_FALSE(names.count("cls_token"));
  EXPECT_FALSE(names.count("pre_norm.weight"));
  o.set_post_norm(false);
  o.set_position_embedding(VitOptions::SINCOS_2D);
  names = ParamNames(*MakeVit(o));
  EXPECT_FALSE(names.count("post_norm.weight"));
  EXPECT_FALSE(names.count("pos_embed"));
}

TEST(Vit, BadImagesAndOptionsAreErrorsNotCrashes) {
  std::unique_ptr<Encoder> vit = MakeVit(Tiny());
  ExpectError(vit->Encode({Tensor::RandN({1, 1, 8, 8}, 1)}), "1 channels, but vit.channels is 3");
  ExpectError(vit->Encode({Tensor::RandN({1, 3, 8, 6}, 1)}),
              "must be positive multiples of vit.patch_size 4");
  ExpectError(vit->Encode({Tensor::RandN({1, 3, 12, 12}, 1)}),
              "resize the images or set native_resolution: true");
  ExpectError(vit->Encode({Tensor::RandN({3, 8, 8}, 1)}), "want f32 [N, C, H, W]");
  ExpectError(vit->Encode({Tensor()}), "want f32 [N, C, H, W]");
  std::unique_ptr<Encoder> unbuilt = MakeVit(Tiny(), 1, /*build=*/false);
  ExpectError(unbuilt->Encode({Tensor::RandN({1, 3, 8, 8}, 1)}), "Encode before Build");
  VitOptions bad = Tiny();
  bad.set_heads(3);  // does not divide 8: the validator's error, not a CHECK in attention
  absl::Status s = MakeVit(bad, 1, /*build=*/false)->Build();
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("3 heads do not divide width 8")) << s;
}

// Encode as a function of the pixels and the named parameters, for GradCheck.
TensorFunction EncodeWith(Encoder* vit, std::vector<std::string> params, Shape pixels) {
  return [vit, params, pixels](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
    for (size_t i = 0; i < params.size(); ++i) {
      absl::Status s = vit->SetParameter(params[i], in[i + 1]);
      if (!s.ok()) return s;
    }
    absl::StatusOr<EncodedImages> out = vit->Encode({in[0]});
    if (!out.ok()) return out.status();
    return out->tokens;
  };
}

TEST(Vit, GradientsMatchFiniteDifferences) {
  VitOptions o = Tiny();
  o.set_cls_token(true);
  o.set_pre_norm(true);
  o.set_activation(VitOptions::QUICK_GELU);
  std::unique_ptr<Encoder> vit = MakeVit(o, 11);
  const std::vector<std::string> params = {"patch_embed.weight",  "pos_embed",
                                           "cls_token",           "blocks.0.attn.q.weight",
                                           "blocks.1.fc1.weight", "post_norm.weight"};
  std::vector<Tensor> inputs = {Tensor::RandN({2, 3, 8, 8}, 12)};
  const nn::TensorMap state = vit->StateDict();
  for (const std::string& p : params) inputs.push_back(state.at(p).To(DType::kF32));
  GradCheckOptions gc;
  gc.max_elements_per_input = 24;
  absl::Status s = GradCheck(EncodeWith(vit.get(), params, {2, 3, 8, 8}), inputs, gc);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(Vit, GradientReachesTheTableThroughResizedPositions) {
  VitOptions o = Tiny();
  o.set_image_size(16);
  o.set_depth(1);
  o.set_native_resolution(true);
  std::unique_ptr<Encoder> vit = MakeVit(o, 13);
  const std::vector<std::string> params = {"pos_embed", "patch_embed.bias"};
  std::vector<Tensor> inputs = {Tensor::RandN({1, 3, 8, 12}, 14)};  // grid 2x3 from 4x4
  const nn::TensorMap state = vit->StateDict();
  for (const std::string& p : params) inputs.push_back(state.at(p).To(DType::kF32));
  absl::Status s = GradCheck(EncodeWith(vit.get(), params, {1, 3, 8, 12}), inputs);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(Vit, SetImageSizeRaisesTheResolutionWithTheTableInterpolated) {
  VitOptions o = Tiny();  // 8 px, patch 4: a 2 x 2 table
  o.set_depth(1);
  std::unique_ptr<Encoder> vit = MakeVit(o, 17);
  Tensor small = Tensor::RandN({1, 3, 8, 8}, 18);
  std::vector<float> at8 = vit->Encode({small})->tokens.ToVector();
  const double flops8 = vit->ForwardFlops();

  ASSERT_TRUE(vit->SetImageSize(16).ok());
  EXPECT_EQ(vit->InputSpec().size, 16);
  EXPECT_EQ(vit->OutputShape().tokens, 16);
  EXPECT_EQ(vit->OutputShape().grid_h, 4);
  EXPECT_GT(vit->ForwardFlops(), flops8);
  absl::StatusOr<EncodedImages> at16 = vit->Encode({Tensor::RandN({1, 3, 16, 16}, 19)});
  ASSERT_TRUE(at16.ok()) << at16.status();
  EXPECT_EQ(at16->tokens.shape(), (Shape{1, 16, 8}));
  EXPECT_EQ(at16->grid_h, 4);
  ExpectError(vit->Encode({small}), "the vit takes 16x16 images");
  // The table keeps its configured 2 x 2 grid (checkpoints keep their shapes) and is resized
  // to 4 x 4 in the forward pass, so its gradient arrives through the resize.
  EXPECT_EQ(vit->StateDict().at("pos_embed").shape(), (Shape{4, 8}));
  const std::vector<std::string> params = {"pos_embed"};
  std::vector<Tensor> inputs = {Tensor::RandN({1, 3, 16, 16}, 20),
                                vit->StateDict().at("pos_embed").To(DType::kF32)};
  absl::Status grad = GradCheck(EncodeWith(vit.get(), params, {1, 3, 16, 16}), inputs);
  EXPECT_TRUE(grad.ok()) << grad;

  // Back at the configured size the encoder computes exactly what it did.
  ASSERT_TRUE(vit->SetParameter("pos_embed", inputs[1]).ok());
  ASSERT_TRUE(vit->SetImageSize(8).ok());
  EXPECT_EQ(vit->Encode({small})->tokens.ToVector(), at8);
  absl::Status bad = vit->SetImageSize(10);
  EXPECT_NE(bad.message().find("image size 10 is not a positive multiple of patch_size 4"),
            std::string::npos)
      << bad;
  EXPECT_EQ(vit->InputSpec().size, 8);
}

TEST(Vit, SameSeedSameModelAndOutputs) {
  Tensor x = Tensor::RandN({2, 3, 8, 8}, 21);
  std::unique_ptr<Encoder> a = MakeVit(Tiny(), 5), b = MakeVit(Tiny(), 5), c = MakeVit(Tiny(), 6);
  EXPECT_EQ(a->Encode({x})->tokens.ToVector(), b->Encode({x})->tokens.ToVector());
  EXPECT_NE(a->Encode({x})->tokens.ToVector(), c->Encode({x})->tokens.ToVector());
  EXPECT_NE(a->StateDict().at("pos_embed").ToVector(), c->StateDict().at("pos_embed").ToVector());
}

TEST(Vit, PatchDropOnlyInTrainingSeededPerCall) {
  VitOptions o = Tiny();
  o.set_image_size(16);  // 16 patches
  o.set_patch_drop(0.5f);
  o.set_cls_token(true);
  Tensor x = Tensor::RandN({3, 3, 16, 16}, 31);
  std::unique_ptr<Encoder> a = MakeVit(o, 9), b = MakeVit(o, 9);
  a->SetTraining(false);
  absl::StatusOr<EncodedImages> eval = a->Encode({x});
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_EQ(eval->tokens.shape(), (Shape{3, 17, 8}));
  EXPECT_EQ(eval->grid_h, 4);
  a->SetTraining(true);
  b->SetTraining(true);
  absl::StatusOr<EncodedImages> t1 = a->Encode({x}), t2 = a->Encode({x});
  ASSERT_TRUE(t1.ok() && t2.ok());
  EXPECT_EQ(t1->tokens.shape(), (Shape{3, 1 + 8, 8}));
  EXPECT_EQ(t1->grid_h, 0);  // no longer a grid
  EXPECT_TRUE(t1->cls);
  EXPECT_NE(t1->tokens.ToVector(), t2->tokens.ToVector());  // the call counter moves on
  // Another encoder with the same seed draws the same subsets call by call.
  EXPECT_EQ(b->Encode({x})->tokens.ToVector(), t1->tokens.ToVector());
  EXPECT_EQ(b->Encode({x})->tokens.ToVector(), t2->tokens.ToVector());
}

TEST(PatchDrop, KeepsSortedDistinctSubsetsAndGathersThem) {
  EXPECT_EQ(PatchesKept(16, 0.5f), 8);
  EXPECT_EQ(PatchesKept(10, 0.95f), 1);
  EXPECT_EQ(PatchesKept(10, 0.0f), 10);
  std::vector<std::vector<int32_t>> kept = KeptPatchIndices(4, 16, 0.75f, 3);
  ASSERT_EQ(kept.size(), 4u);
  for (const auto& row : kept) {
    ASSERT_EQ(row.size(), 4u);
    for (size_t i = 1; i < row.size(); ++i) EXPECT_LT(row[i - 1], row[i]);
  }
  EXPECT_NE(kept[0], kept[1]);
  EXPECT_EQ(KeptPatchIndices(4, 16, 0.75f, 3), kept);
  // Values: token n, patch g holds 100 n + g.
  std::vector<float> v;
  for (int n = 0; n < 4; ++n)
    for (int g = 0; g < 16; ++g) v.push_back(100.0f * n + g);
  absl::StatusOr<Tensor> out = DropPatches(Tensor::FromVector({4, 16, 1}, v), 0.75f, 3);
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<float> got = out->ToVector();
  for (int n = 0; n < 4; ++n)
    for (int k = 0; k < 4; ++k) EXPECT_EQ(got[n * 4 + k], 100.0f * n + kept[n][k]);
  absl::Status s =
      GradCheck([](const std::vector<Tensor>& in) { return DropPatches(in[0], 0.5f, 8); },
                {Tensor::RandN({2, 6, 3}, 4)});
  EXPECT_TRUE(s.ok()) << s;
}

TEST(Vit, ForwardFlopsCountsMatmulsAndAttention) {
  VitOptions o = Tiny();  // G = 4, T = 4, D = 8, hidden 16, 2 blocks, C p p = 48
  const double patch = 2.0 * 4 * 48 * 8;
  const double block = 2.0 * 4 * 8 * 8 * 4 + 4.0 * 4 * 4 * 8 + 4.0 * 4 * 8 * 16;
  EXPECT_DOUBLE_EQ(MakeVit(o)->ForwardFlops(), patch + 2 * block);
  o.set_cls_token(true);  // T = 5
  const double block5 = 2.0 * 5 * 8 * 8 * 4 + 4.0 * 5 * 5 * 8 + 4.0 * 5 * 8 * 16;
  o.set_output_layer(0);
  EXPECT_DOUBLE_EQ(MakeVit(o, 7, false)->ForwardFlops(), patch + block5);
}

}  // namespace
}  // namespace vlmlab
