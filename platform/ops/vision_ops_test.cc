#include "platform/ops/vision_ops.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/base/status_macros.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

std::vector<float> Iota(int64_t n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

// Expects an error whose message contains `text`.
void ExpectError(const absl::StatusOr<Tensor>& r, const std::string& text) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << text;
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(text)) << r.status();
}

TEST(ImageToPatches, HandCheckedOrderIsRowMajorPatchesThenChannelRowColumn) {
  Tensor images = Tensor::FromVector({1, 2, 4, 4}, Iota(32));  // c*16 + y*4 + x
  absl::StatusOr<Tensor> p = ops::ImageToPatches(images, 2);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->shape(), (Shape{1, 4, 8}));
  EXPECT_EQ(p->ToVector(), (std::vector<float>{0,  1,  4,  5,  16, 17, 20, 21,     // patch (0, 0)
                                               2,  3,  6,  7,  18, 19, 22, 23,     // patch (0, 1)
                                               8,  9,  12, 13, 24, 25, 28, 29,     // patch (1, 0)
                                               10, 11, 14, 15, 26, 27, 30, 31}));  // patch (1, 1)
}

TEST(ImageToPatches, FoldIsTheInverse) {
  Tensor images = Tensor::RandN({2, 3, 4, 6}, 1);
  Tensor patches = ops::ImageToPatches(images, 2).value();
  EXPECT_EQ(patches.shape(), (Shape{2, 6, 12}));
  EXPECT_EQ(ops::PatchesToImage(patches, 4, 6, 2)->ToVector(), images.ToVector());
  Tensor y = Tensor::RandN({2, 6, 12}, 2);
  EXPECT_EQ(ops::ImageToPatches(ops::PatchesToImage(y, 4, 6, 2).value(), 2)->ToVector(),
            y.ToVector());
  // p = 1 is a transpose to channels-last; p = H = W gives one patch.
  EXPECT_EQ(ops::ImageToPatches(images, 1)->shape(), (Shape{2, 24, 3}));
  Tensor square = Tensor::RandN({1, 3, 4, 4}, 3);
  EXPECT_EQ(ops::ImageToPatches(square, 4)->ToVector(), square.ToVector());
}

// Conv2d(C, D, p, stride p) by definition, as tokens [B, (H/p)*(W/p), D].
std::vector<float> NaiveConv(const Tensor& images, const Tensor& weight, const Tensor& bias) {
  const int64_t B = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  const int64_t D = weight.size(0), p = weight.size(2);
  std::vector<float> x = images.ToVector(), w = weight.ToVector(), b = bias.ToVector(), out;
  for (int64_t n = 0; n < B; ++n) {
    for (int64_t i = 0; i < H / p; ++i) {
      for (int64_t j = 0; j < W / p; ++j) {
        for (int64_t d = 0; d < D; ++d) {
          double acc = b[d];
          for (int64_t c = 0; c < C; ++c) {
            for (int64_t ky = 0; ky < p; ++ky) {
              for (int64_t kx = 0; kx < p; ++kx) {
                acc += double{w[((d * C + c) * p + ky) * p + kx]} *
                       x[((n * C + c) * H + i * p + ky) * W + j * p + kx];
              }
            }
          }
          out.push_back(static_cast<float>(acc));
        }
      }
    }
  }
  return out;
}

TEST(PatchEmbed, MatchesNaiveStridedConvolution) {
  Tensor images = Tensor::RandN({2, 3, 8, 12}, 4);
  Tensor weight = Tensor::RandN({5, 3, 4, 4}, 5), bias = Tensor::RandN({5}, 6);
  absl::StatusOr<Tensor> y = ops::PatchEmbed(images, weight, bias);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape(), (Shape{2, 6, 5}));
  Tensor expected = Tensor::FromVector({2, 6, 5}, NaiveConv(images, weight, bias));
  EXPECT_LT(MaxAbsDiff(*y, expected), 1e-4);
  Tensor no_bias = ops::PatchEmbed(images, weight).value();
  Tensor expected0 = Tensor::FromVector({2, 6, 5}, NaiveConv(images, weight, Tensor::Zeros({5})));
  EXPECT_LT(MaxAbsDiff(no_bias, expected0), 1e-4);
}

TEST(PixelShuffle, HandCheckedFourByFourGrid) {
  Tensor tokens = Tensor::FromVector({1, 16, 1}, Iota(16));  // token y*4 + x
  absl::StatusOr<Tensor> s = ops::PixelShuffle(tokens, 4, 4, 2);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->shape(), (Shape{1, 4, 4}));
  EXPECT_EQ(s->ToVector(),
            (std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}));
  // Two channels: each neighbour contributes its C values together, (dy, dx, c) order.
  Tensor two = Tensor::FromVector({1, 4, 2}, {0, 100, 1, 101, 2, 102, 3, 103});  // 2 x 2 grid
  EXPECT_EQ(ops::PixelShuffle(two, 2, 2, 2)->ToVector(),
            (std::vector<float>{0, 100, 1, 101, 2, 102, 3, 103}));
  Tensor wide = Tensor::FromVector({1, 8, 1}, Iota(8));  // 2 x 4 grid
  EXPECT_EQ(ops::PixelShuffle(wide, 2, 4, 2)->ToVector(),
            (std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7}));
}

// The Idefics3 / nanoVLM steps, written with reshapes and permutes.
absl::StatusOr<Tensor> Idefics3PixelShuffle(const Tensor& x, int64_t h, int64_t w, int64_t r) {
  const int64_t b = x.size(0), c = x.size(2);
  VLMLAB_ASSIGN_OR_RETURN(Tensor t, ops::Reshape(x, {b, h, w / r, c * r}));
  VLMLAB_ASSIGN_OR_RETURN(t, ops::Permute(t, {0, 2, 1, 3}));
  VLMLAB_ASSIGN_OR_RETURN(t, ops::Reshape(t, {b, w / r, h / r, c * r * r}));
  VLMLAB_ASSIGN_OR_RETURN(t, ops::Permute(t, {0, 2, 1, 3}));
  return ops::Reshape(t, {b, (h / r) * (w / r), c * r * r});
}

TEST(PixelShuffle, MatchesIdefics3StepsAndIsAPermutation) {
  for (auto [h, w, r, c] : std::vector<std::array<int64_t, 4>>{
           {4, 6, 2, 3}, {6, 4, 2, 5}, {6, 9, 3, 2}, {4, 4, 4, 1}, {3, 5, 1, 2}}) {
    Tensor x = Tensor::RandN({2, h * w, c}, 7);
    Tensor s = ops::PixelShuffle(x, h, w, r).value();
    EXPECT_EQ(s.shape(), (Shape{2, (h / r) * (w / r), c * r * r}));
    EXPECT_EQ(s.ToVector(), Idefics3PixelShuffle(x, h, w, r)->ToVector()) << h << "x" << w;
    std::vector<float> a = x.ToVector(), b = s.ToVector();
    EXPECT_EQ(std::accumulate(a.begin(), a.end(), 0.0), std::accumulate(b.begin(), b.end(), 0.0));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b);
    EXPECT_EQ(ops::PixelShuffleInverse(s, h, w, r)->ToVector(), x.ToVector());
  }
}

TEST(PixelShuffle, Bf16AndIntegersPermuteExactly) {
  Tensor x = Tensor::RandN({1, 24, 3}, 8);
  std::vector<float> f32 = ops::PixelShuffle(x, 4, 6, 2)->ToVector();
  EXPECT_EQ(ops::PixelShuffle(x.To(DType::kBF16), 4, 6, 2)->ToVector(),
            Tensor::FromVector({1, 6, 12}, f32).To(DType::kBF16).ToVector());
  std::vector<int32_t> ids(16);
  std::iota(ids.begin(), ids.end(), 0);
  EXPECT_EQ(ops::PixelShuffle(Tensor::FromInts({1, 16, 1}, ids), 4, 4, 2)->ToInts(),
            (std::vector<int32_t>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}));
}

TEST(AvgPool, HandCheckedValuesAndGradient) {
  Tensor tokens = Tensor::FromVector({1, 16, 1}, Iota(16));
  EXPECT_EQ(ops::AvgPoolTokens(tokens, 4, 4, 2)->ToVector(),
            (std::vector<float>{2.5, 4.5, 10.5, 12.5}));
  Tensor images = Tensor::FromVector({1, 1, 4, 4}, Iota(16));
  absl::StatusOr<Tensor> pooled = ops::AvgPool2d(images, 2);
  ASSERT_TRUE(pooled.ok()) << pooled.status();
  EXPECT_EQ(pooled->shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(pooled->ToVector(), (std::vector<float>{2.5, 4.5, 10.5, 12.5}));

  Tensor x = Tensor::RandN({1, 2, 4, 6}, 9);
  x.set_requires_grad(true);
  Tensor loss = ops::Sum(ops::AvgPool2d(x, 2).value()).value();
  ASSERT_TRUE(Backward(loss).ok());
  EXPECT_EQ(x.grad().ToVector(), std::vector<float>(48, 0.25f));
}

TEST(AvgPool, TokensAgreeWithImagesOnNonSquareGrids) {
  const int64_t B = 2, H = 4, W = 6, C = 5;
  Tensor tokens = Tensor::RandN({B, H * W, C}, 10);
  Tensor images = ops::Permute(ops::Reshape(tokens, {B, H, W, C}).value(), {0, 3, 1, 2}).value();
  for (int64_t k : {1, 2}) {
    Tensor a = ops::AvgPoolTokens(tokens, H, W, k).value();
    Tensor b = ops::AvgPool2d(images, k).value();  // a non-contiguous view in
    Tensor b_tokens = ops::Reshape(ops::Permute(b, {0, 2, 3, 1}).value(), {B, -1, C}).value();
    EXPECT_LT(MaxAbsDiff(a, b_tokens), 1e-6) << "k=" << k;
  }
  Tensor bf16 = ops::AvgPoolTokens(tokens.To(DType::kBF16), H, W, 2).value();
  EXPECT_EQ(bf16.dtype(), DType::kBF16);
  EXPECT_LT(MaxAbsDiff(bf16, ops::AvgPoolTokens(tokens, H, W, 2).value()), 2e-2);
}

TEST(VisionOps, GradientsMatchFiniteDifferences) {
  for (int64_t c : {3, 5}) {
    Tensor images = Tensor::RandN({2, c, 4, 6}, 11);
    Tensor tokens = Tensor::RandN({2, 24, c}, 12);
    Tensor patches = Tensor::RandN({2, 6, c * 4}, 13);
    std::vector<std::pair<std::string, std::pair<TensorFunction, Tensor>>> cases = {
        {"image_to_patches",
         {[](const std::vector<Tensor>& in) { return ops::ImageToPatches(in[0], 2); }, images}},
        {"patches_to_image",
         {[](const std::vector<Tensor>& in) { return ops::PatchesToImage(in[0], 4, 6, 2); },
          patches}},
        {"pixel_shuffle",
         {[](const std::vector<Tensor>& in) { return ops::PixelShuffle(in[0], 4, 6, 2); }, tokens}},
        {"pixel_shuffle_inverse",
         {[](const std::vector<Tensor>& in) { return ops::PixelShuffleInverse(in[0], 4, 6, 2); },
          patches}},
        {"avg_pool_tokens",
         {[](const std::vector<Tensor>& in) { return ops::AvgPoolTokens(in[0], 4, 6, 2); },
          tokens}},
        {"avg_pool2d",
         {[](const std::vector<Tensor>& in) { return ops::AvgPool2d(in[0], 2); }, images}},
        {"pixel_shuffle of a transposed view",
         {[](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
            VLMLAB_ASSIGN_OR_RETURN(Tensor t, ops::Transpose(in[0], 1, 2));  // [2, 24, c]
            return ops::PixelShuffle(t, 6, 4, 2);
          },
          Tensor::RandN({2, c, 24}, 14)}},
    };
    for (auto& [name, fx] : cases) {
      absl::Status s = GradCheck(fx.first, {fx.second});
      EXPECT_TRUE(s.ok()) << name << " C=" << c << ": " << s;
    }
    absl::Status s = GradCheck(
        [](const std::vector<Tensor>& in) { return ops::PatchEmbed(in[0], in[1], in[2]); },
        {images, Tensor::RandN({4, c, 2, 2}, 15), Tensor::RandN({4}, 16)});
    EXPECT_TRUE(s.ok()) << "patch_embed C=" << c << ": " << s;
  }
}

TEST(VisionOps, ErrorsNameTheOpAndShapes) {
  Tensor images = Tensor::Zeros({2, 3, 7, 8});
  ExpectError(ops::ImageToPatches(images, 4),
              "image_to_patches: images [2, 3, 7, 8] and patch 4: height 7 and width 8 must be "
              "positive multiples of patch 4");
  ExpectError(ops::ImageToPatches(images, 0), "patch must be >= 1");
  ExpectError(ops::ImageToPatches(Tensor::Zeros({3, 8, 8}), 2),
              "image_to_patches: images [3, 8, 8] and patch 2: want [B, C, H, W]");
  ExpectError(ops::ImageToPatches(Tensor(), 2), "image_to_patches: images is an undefined");
  ExpectError(ops::PatchesToImage(Tensor::Zeros({1, 5, 12}), 4, 6, 2),
              "patches_to_image: patches [1, 5, 12] with grid (4, 6) and patch 2: 5 rows do not "
              "fill a 2 x 3 grid");
  ExpectError(ops::PatchesToImage(Tensor::Zeros({1, 6, 10}), 4, 6, 2),
              "last size 10 is not a multiple of 2*2");

  Tensor weight = Tensor::Zeros({5, 3, 4, 4});
  ExpectError(ops::PatchEmbed(Tensor::Zeros({2, 3, 8, 10}), weight),
              "patch_embed: images [2, 3, 8, 10] and patch 4: height 8 and width 10");
  ExpectError(ops::PatchEmbed(Tensor::Zeros({2, 4, 8, 8}), weight),
              "patch_embed: images [2, 4, 8, 8] and weight [5, 3, 4, 4]: weight must be");
  ExpectError(ops::PatchEmbed(Tensor::Zeros({2, 3, 8, 8}), Tensor::Zeros({5, 3, 4, 2})),
              "weight must be [D, C, p, p]");
  ExpectError(ops::PatchEmbed(Tensor::Zeros({2, 3, 8, 8}), weight, Tensor::Zeros({4})),
              "and bias [4]: bias must be [D]");

  Tensor tokens = Tensor::Zeros({2, 15, 8});
  ExpectError(ops::PixelShuffle(tokens, 4, 4, 2),
              "pixel_shuffle: tokens [2, 15, 8] with grid (4, 4) and factor 2: 15 tokens do not "
              "fill a 4 x 4 grid");
  ExpectError(ops::PixelShuffle(Tensor::Zeros({2, 24, 8}), 4, 6, 4),
              "pixel_shuffle: tokens [2, 24, 8] with grid (4, 6) and factor 4: factor 4 must "
              "divide grid height 4 and width 6");
  ExpectError(ops::PixelShuffle(Tensor::Zeros({2, 24, 8}), 4, 6, -2), "factor must be >= 1");
  ExpectError(ops::PixelShuffle(Tensor::Zeros({2, 24, 8}), 0, 6, 2), "grid sizes must be >= 1");
  ExpectError(ops::PixelShuffle(Tensor::Zeros({24, 8}), 4, 6, 2), "want [B, H*W, C]");
  ExpectError(ops::PixelShuffleInverse(Tensor::Zeros({2, 6, 10}), 4, 6, 2),
              "pixel_shuffle_inverse: shuffled [2, 6, 10]");

  ExpectError(ops::AvgPoolTokens(Tensor::Zeros({2, 24, 8}), 4, 5, 2),
              "avg_pool_tokens: tokens [2, 24, 8] with grid (4, 5) and kernel 2");
  ExpectError(ops::AvgPool2d(Tensor::Zeros({1, 1, 4, 6}), 4),
              "avg_pool2d: images [1, 1, 4, 6] and kernel 4");
  ExpectError(ops::AvgPool2d(Tensor::FromInts({1, 1, 2, 2}, {1, 2, 3, 4}), 2),
              "avg_pool2d: needs a floating-point tensor");
  // Sizes whose products overflow int64 are refused, not wrapped.
  const int64_t big = int64_t{1} << 32;
  ExpectError(ops::PixelShuffleInverse(Tensor::Zeros({0, 1, 0}), big, big, big),
              "grid size overflows");
}

}  // namespace
}  // namespace vlmlab
