// The `conv` encoder built through its registry entry: output shapes (several configs and a
// non-square input), parameter names, errors, finite-difference gradients (pixels and
// parameters), the ConvNeXt downsampling's linear path, determinism and the analytic FLOP count.
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"

namespace vlmlab {
namespace {

ConvEncoderOptions Tiny() {
  ConvEncoderOptions o;
  o.set_image_size(8);
  o.set_channels(3);
  o.set_width(2);
  o.set_stages(2);
  o.set_blocks_per_stage(1);
  o.set_stem_stride(2);
  return o;
}

std::unique_ptr<Encoder> MakeConv(const ConvEncoderOptions& o, uint64_t seed = 3,
                                  bool build = true) {
  const PluginEntry<Encoder>* entry = GlobalRegistries().Get<Encoder>().Find("conv");
  CHECK(entry != nullptr);
  absl::StatusOr<std::unique_ptr<Encoder>> enc =
      entry->create(o, BuildContext{seed, &GlobalRegistries()});
  CHECK(enc.ok()) << enc.status();
  if (build) CHECK((*enc)->Build().ok());
  return *std::move(enc);
}

void ExpectError(const absl::StatusOr<EncodedImages>& r, const std::string& text) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << text;
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(text)) << r.status();
}

TEST(Conv, OutputShapeMatchesEncodeForSeveralConfigs) {
  std::vector<ConvEncoderOptions> configs;
  ConvEncoderOptions a = Tiny();
  a.set_image_size(16);
  a.set_stages(3);
  configs.push_back(a);
  ConvEncoderOptions b = Tiny();
  b.set_norm(ConvEncoderOptions::NO_NORM);
  b.set_activation(ConvEncoderOptions::RELU);
  b.set_blocks_per_stage(2);
  configs.push_back(b);
  ConvEncoderOptions c = Tiny();  // patchify stem
  c.set_image_size(16);
  c.set_stem_stride(4);
  configs.push_back(c);
  ConvEncoderOptions d = Tiny();
  d.set_stem_stride(1);
  d.set_stages(1);
  d.set_channels(1);
  configs.push_back(d);
  for (const ConvEncoderOptions& o : configs) {
    SCOPED_TRACE(o.ShortDebugString());
    std::unique_ptr<Encoder> conv = MakeConv(o);
    const VisualShape shape = conv->OutputShape();
    const int64_t s = o.image_size();
    absl::StatusOr<EncodedImages> out = conv->Encode({Tensor::RandN({2, o.channels(), s, s}, 1)});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->tokens.shape(), (Shape{2, shape.tokens, shape.dim}));
    EXPECT_EQ(out->grid_h, shape.grid_h);
    EXPECT_EQ(out->grid_w, shape.grid_w);
    EXPECT_FALSE(out->cls);
    for (float v : out->tokens.ToVector()) ASSERT_TRUE(std::isfinite(v));
  }
  // A non-square image gives its own grid.
  absl::StatusOr<EncodedImages> wide = MakeConv(Tiny())->Encode({Tensor::RandN({1, 3, 8, 16}, 2)});
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_EQ(wide->tokens.shape(), (Shape{1, 2 * 4, 4}));
  EXPECT_EQ(wide->grid_h, 2);
  EXPECT_EQ(wide->grid_w, 4);
}

TEST(Conv, ParameterNames) {
  std::set<std::string> names;
  for (const auto& [name, t] : MakeConv(Tiny())->NamedParameters()) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"stem.weight",
                                          "stem.bias",
                                          "stages.0.blocks.0.norm1.weight",
                                          "stages.0.blocks.0.norm1.bias",
                                          "stages.0.blocks.0.conv1.weight",
                                          "stages.0.blocks.0.conv1.bias",
                                          "stages.0.blocks.0.norm2.weight",
                                          "stages.0.blocks.0.norm2.bias",
                                          "stages.0.blocks.0.conv2.weight",
                                          "stages.0.blocks.0.conv2.bias",
                                          "stages.1.down_norm.weight",
                                          "stages.1.down_norm.bias",
                                          "stages.1.down.weight",
                                          "stages.1.down.bias",
                                          "stages.1.blocks.0.norm1.weight",
                                          "stages.1.blocks.0.norm1.bias",
                                          "stages.1.blocks.0.conv1.weight",
                                          "stages.1.blocks.0.conv1.bias",
                                          "stages.1.blocks.0.norm2.weight",
                                          "stages.1.blocks.0.norm2.bias",
                                          "stages.1.blocks.0.conv2.weight",
                                          "stages.1.blocks.0.conv2.bias",
                                          "norm.weight",
                                          "norm.bias"}));
  std::unique_ptr<Encoder> conv = MakeConv(Tiny());
  EXPECT_EQ(conv->StateDict().at("stages.1.down.weight").shape(), (Shape{4, 2, 3, 3}));
  EXPECT_EQ(conv->StateDict().at("stem.weight").shape(), (Shape{2, 3, 3, 3}));
}

// CONV3_STACK: stem_stride 4 is two 3x3 stride-2 convs with one norm between them.
ConvEncoderOptions Stacked() {
  ConvEncoderOptions o = Tiny();
  o.set_image_size(16);
  o.set_stem_stride(4);
  o.set_stem(ConvEncoderOptions::CONV3_STACK);
  return o;
}

TEST(Conv, StackedStemNamesShapesAndGrid) {
  std::unique_ptr<Encoder> conv = MakeConv(Stacked());
  const nn::TensorMap state = conv->StateDict();
  EXPECT_EQ(state.at("stem.convs.0.weight").shape(), (Shape{2, 3, 3, 3}));
  EXPECT_EQ(state.at("stem.convs.1.weight").shape(), (Shape{2, 2, 3, 3}));
  EXPECT_EQ(state.at("stem.norms.0.weight").shape(), (Shape{2}));
  EXPECT_EQ(state.count("stem.norms.1.weight"), 0u);  // no norm after the last conv
  EXPECT_EQ(state.count("stem.weight"), 0u);
  // Total stride 4 * 2: a 2 x 2 grid from 16 px, as with the patchify stem.
  absl::StatusOr<EncodedImages> out = conv->Encode({Tensor::RandN({1, 3, 16, 16}, 1)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->tokens.shape(), (Shape{1, 4, 4}));
  // Three convolutions for stride 8, and no norms at all with NO_NORM.
  ConvEncoderOptions o = Stacked();
  o.set_stem_stride(8);
  o.set_norm(ConvEncoderOptions::NO_NORM);
  const nn::TensorMap plain = MakeConv(o)->StateDict();
  EXPECT_EQ(plain.count("stem.convs.2.weight"), 1u);
  EXPECT_EQ(plain.count("stem.norms.0.weight"), 0u);
}

// The stacked stem sees overlapping 3x3 windows: a pixel moves tokens that a patchify stem of
// the same stride keeps apart. With stride 4 and one stage (no residual mixing across
// positions at all when the blocks are zeroed), changing one pixel at (3, 3) changes only
// token (0, 0) under PATCHIFY, and also tokens (0, 1), (1, 0), (1, 1) under CONV3_STACK.
TEST(Conv, StackedStemHasOverlappingReceptiveFields) {
  for (ConvEncoderOptions::Stem stem :
       {ConvEncoderOptions::PATCHIFY, ConvEncoderOptions::CONV3_STACK}) {
    ConvEncoderOptions o = Stacked();
    o.set_image_size(8);
    o.set_stages(1);
    o.set_stem(stem);
    o.set_norm(ConvEncoderOptions::NO_NORM);
    std::unique_ptr<Encoder> conv = MakeConv(o, 21);
    for (const auto& [name, t] : conv->StateDict()) {
      if (name.find(".conv2.") != std::string::npos) {
        ASSERT_TRUE(conv->SetParameter(name, Tensor::Zeros(t.shape())).ok()) << name;
      }
    }
    const Tensor x = Tensor::RandN({1, 3, 8, 8}, 22);
    std::vector<float> moved = x.ToVector();
    moved[3 * 8 + 3] += 5.0f;  // channel 0, row 3, column 3
    const std::vector<float> a = conv->Encode({x})->tokens.ToVector();
    const std::vector<float> b =
        conv->Encode({Tensor::FromVector({1, 3, 8, 8}, moved)})->tokens.ToVector();
    std::vector<bool> changed(4, false);  // tokens of the 2 x 2 grid, 2 channels each
    for (size_t i = 0; i < a.size(); ++i) changed[i / 2] = changed[i / 2] || a[i] != b[i];
    if (stem == ConvEncoderOptions::PATCHIFY) {
      EXPECT_EQ(changed, (std::vector<bool>{true, false, false, false}));
    } else {
      EXPECT_EQ(changed, (std::vector<bool>{true, true, true, true}));
    }
  }
}

TEST(Conv, StackedStemNeedsAPowerOfTwoStride) {
  for (int stride : {1, 3, 6}) {
    ConvEncoderOptions bad = Stacked();
    bad.set_stem_stride(stride);
    bad.set_image_size(12 * stride);
    absl::Status s = MakeConv(bad, 1, false)->Build();
    EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("power of two >= 2")) << stride;
  }
}

TEST(Conv, StackedStemFlopsCountEachConvolution) {
  // Stem: 3->2 at 8x8 (k3) and 2->2 at 4x4; then Tiny's stages at 4x4 and 2x2 (16 px / 4).
  const double stem = 64 * 2 * 27 + 16 * 2 * 18;
  const double rest = 2 * 16 * 2 * 18 + 4 * 4 * 18 + 2 * 4 * 4 * 36;
  EXPECT_DOUBLE_EQ(MakeConv(Stacked())->ForwardFlops(), 2 * (stem + rest));
}

TEST(Conv, BadImagesAreErrorsNotCrashes) {
  std::unique_ptr<Encoder> conv = MakeConv(Tiny());
  ExpectError(conv->Encode({Tensor::RandN({1, 4, 8, 8}, 1)}), "4 channels, but conv.channels is 3");
  ExpectError(conv->Encode({Tensor::RandN({1, 3, 8, 6}, 1)}),
              "must be positive multiples of the total stride 4");
  ExpectError(conv->Encode({Tensor::RandN({8, 8}, 1)}), "want f32 [N, C, H, W]");
  ExpectError(MakeConv(Tiny(), 1, false)->Encode({Tensor::RandN({1, 3, 8, 8}, 1)}),
              "Encode before Build");
  ConvEncoderOptions bad = Tiny();
  bad.set_image_size(10);
  absl::Status s = MakeConv(bad, 1, false)->Build();
  EXPECT_NE(std::string(s.message()).find("not a multiple of the total stride 4"),
            std::string::npos)
      << s;
}

TEST(Conv, GradientsMatchFiniteDifferences) {
  struct Config {
    ConvEncoderOptions::Norm norm;
    ConvEncoderOptions::Downsample down;
    bool stacked = false;
  };
  const Config configs[] = {
      {ConvEncoderOptions::LAYER_NORM, ConvEncoderOptions::NORM_ACT_CONV3},
      {ConvEncoderOptions::NO_NORM, ConvEncoderOptions::NORM_ACT_CONV3},
      {ConvEncoderOptions::LAYER_NORM, ConvEncoderOptions::NORM_CONV2},
      {ConvEncoderOptions::LAYER_NORM, ConvEncoderOptions::NORM_ACT_CONV3, /*stacked=*/true},
  };
  for (const Config& c : configs) {
    const ConvEncoderOptions::Norm norm = c.norm;
    ConvEncoderOptions o = Tiny();
    // A LayerNorm over 2 channels is nearly a sign function: too sharp. The stacked stem puts
    // one more LayerNorm before the blocks (4 channels: 1% off at element 36; 8 agree).
    o.set_width(c.stacked ? 8 : 4);
    o.set_norm(norm);
    o.set_downsample(c.down);
    if (c.stacked) {
      o.set_image_size(16);
      o.set_stem_stride(4);
      o.set_stem(ConvEncoderOptions::CONV3_STACK);
    }
    std::unique_ptr<Encoder> conv = MakeConv(o, 17);
    std::vector<std::string> params = {c.stacked ? "stem.convs.1.weight" : "stem.weight",
                                       "stages.1.down.weight", "stages.0.blocks.0.conv2.bias",
                                       "stages.1.blocks.0.conv1.weight"};
    if (norm == ConvEncoderOptions::LAYER_NORM) params.push_back("norm.weight");
    if (c.stacked) params.push_back("stem.norms.0.weight");
    const int64_t side = o.image_size();
    std::vector<Tensor> inputs = {Tensor::RandN({2, 3, side, side}, 18)};
    const nn::TensorMap state = conv->StateDict();
    for (const std::string& p : params) inputs.push_back(state.at(p).To(DType::kF32));
    Encoder* e = conv.get();
    GradCheckOptions gc;
    gc.max_elements_per_input = 24;
    // LayerNorm over few channels curves fast: a step of 1e-2 misses a stem-weight gradient by
    // 7%, 3e-3 agrees (checked: 1e-3 agrees too).
    gc.eps = 3e-3;
    absl::Status s = GradCheck(
        [e, params](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
          for (size_t i = 0; i < params.size(); ++i) {
            absl::Status st = e->SetParameter(params[i], in[i + 1]);
            if (!st.ok()) return st;
          }
          absl::StatusOr<EncodedImages> out = e->Encode({in[0]});
          if (!out.ok()) return out.status();
          return out->tokens;
        },
        inputs, gc);
    EXPECT_TRUE(s.ok()) << "norm " << norm << ", downsample " << c.down << ": " << s;
  }
}

// NORM_CONV2 downsamples without an activation: with no norm and the residual blocks zeroed
// (each adds 0), the encoder is affine in the pixels, f(x + y) + f(0) = f(x) + f(y). The
// default NORM_ACT_CONV3 puts an activation before the downsampling conv and is not.
TEST(Conv, ConvNextDownsampleKeepsALinearPath) {
  for (ConvEncoderOptions::Downsample down :
       {ConvEncoderOptions::NORM_CONV2, ConvEncoderOptions::NORM_ACT_CONV3}) {
    ConvEncoderOptions o = Tiny();
    o.set_norm(ConvEncoderOptions::NO_NORM);
    o.set_downsample(down);
    std::unique_ptr<Encoder> conv = MakeConv(o, 9);
    for (const auto& [name, t] : conv->StateDict()) {
      if (name.find(".conv2.") != std::string::npos) {
        ASSERT_TRUE(conv->SetParameter(name, Tensor::Zeros(t.shape())).ok()) << name;
      }
    }
    const Tensor x = Tensor::RandN({1, 3, 8, 8}, 10), y = Tensor::RandN({1, 3, 8, 8}, 11);
    std::vector<float> xy = x.ToVector();
    const std::vector<float> yv = y.ToVector();
    for (size_t i = 0; i < xy.size(); ++i) xy[i] += yv[i];
    auto f = [&conv](const Tensor& in) { return conv->Encode({in})->tokens.ToVector(); };
    const std::vector<float> fxy = f(Tensor::FromVector({1, 3, 8, 8}, xy)),
                             f0 = f(Tensor::Zeros({1, 3, 8, 8})), fx = f(x), fy = f(y);
    double worst = 0;
    for (size_t i = 0; i < fxy.size(); ++i) {
      worst = std::max(worst, std::abs(double{fxy[i]} + f0[i] - fx[i] - fy[i]));
    }
    if (down == ConvEncoderOptions::NORM_CONV2) {
      EXPECT_LT(worst, 1e-4);
    } else {
      EXPECT_GT(worst, 1e-2);
    }
  }
  ConvEncoderOptions o = Tiny();
  o.set_downsample(ConvEncoderOptions::NORM_CONV2);
  EXPECT_EQ(MakeConv(o)->StateDict().at("stages.1.down.weight").shape(), (Shape{4, 2, 2, 2}));
}

TEST(Conv, SameSeedSameOutputs) {
  Tensor x = Tensor::RandN({2, 3, 8, 8}, 5);
  EXPECT_EQ(MakeConv(Tiny(), 4)->Encode({x})->tokens.ToVector(),
            MakeConv(Tiny(), 4)->Encode({x})->tokens.ToVector());
  EXPECT_NE(MakeConv(Tiny(), 4)->Encode({x})->tokens.ToVector(),
            MakeConv(Tiny(), 5)->Encode({x})->tokens.ToVector());
}

TEST(Conv, ForwardFlopsAreTwiceTheConvolutionMacs) {
  // Stem 3->2 at 4x4 (k3): 16*2*27; stage 0: 2 convs 2->2 at 4x4: 2*16*2*18;
  // down 2->4 at 2x2: 4*4*18; stage 1: 2 convs 4->4 at 2x2: 2*4*4*36.
  const double macs = 16 * 2 * 27 + 2 * 16 * 2 * 18 + 4 * 4 * 18 + 2 * 4 * 4 * 36;
  EXPECT_DOUBLE_EQ(MakeConv(Tiny())->ForwardFlops(), 2 * macs);
  // NORM_CONV2: the down conv is 2x2 (4*4*8 MACs instead of 4*4*18).
  ConvEncoderOptions o = Tiny();
  o.set_downsample(ConvEncoderOptions::NORM_CONV2);
  EXPECT_DOUBLE_EQ(MakeConv(o)->ForwardFlops(), 2 * (macs - 4 * 4 * 18 + 4 * 4 * 8));
}

TEST(Conv, SetImageSizeTakesLargerImagesWithTheSameWeights) {
  std::unique_ptr<Encoder> conv = MakeConv(Tiny());  // 8 px, total stride 4: a 2 x 2 grid
  const double flops8 = conv->ForwardFlops();
  Tensor x = Tensor::RandN({1, 3, 16, 16}, 4);
  ASSERT_TRUE(conv->SetImageSize(16).ok());
  EXPECT_EQ(conv->InputSpec().size, 16);
  EXPECT_EQ(conv->OutputShape().tokens, 16);
  // The convolutions see 4x the pixels: 4x the FLOPs.
  EXPECT_DOUBLE_EQ(conv->ForwardFlops(), 4 * flops8);
  absl::StatusOr<EncodedImages> e = conv->Encode({x});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->tokens.size(1), conv->OutputShape().tokens);
  absl::Status bad = conv->SetImageSize(18);
  EXPECT_NE(bad.message().find("image size 18 is not a positive multiple of the total stride 4"),
            std::string::npos)
      << bad;
}

}  // namespace
}  // namespace vlmlab
