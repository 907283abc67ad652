// cpu_fused vision kernels (patches, pixel shuffle and their inverses in f32 / bf16 / i32;
// average pooling and its backward in f32) and the embedding backward against the reference
// kernels, bit for bit, on odd shapes (odd channel counts, patch and factor sizes, non-square
// grids, ids repeated and unused); the hand-checked pixel shuffle of vision_ops.h; determinism
// across thread counts; gradients through platform/ops.
#include <omp.h>

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/api/embedding.h"
#include "kernels/api/vision.h"
#include "kernels/cpu_fused/fused_testing.h"
#include "platform/ops/embedding_ops.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/ops/vision_ops.h"

namespace vlmlab {
namespace {

bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.numel() * DTypeSize(a.dtype())) == 0;
}

// The kernel of `backend` for `dtype` (not only f32).
template <typename Fn>
Fn* Kernel(const KernelTable<Fn>& table, const char* backend, DType dtype) {
  const auto* impl = table.FindBackend(backend, dtype);
  CHECK(impl != nullptr) << backend << " " << table.op() << " " << DTypeName(dtype);
  return impl->fn;
}

Tensor Random(const Shape& s, uint64_t seed, DType dtype) {
  if (dtype != DType::kI32) return Tensor::RandN(s, seed, 1.0f, dtype);
  std::vector<int32_t> v(NumElements(s));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int32_t>(i * 2654435761u + seed);
  return Tensor::FromInts(s, v);
}

TEST(VisionCpuFused, PatchesMatchReferenceBitForBit) {
  struct Case {
    int64_t b, c, h, w, p;
  };
  uint64_t seed = 1;
  for (const Case& k :
       {Case{2, 3, 8, 12, 4}, Case{1, 5, 9, 6, 3}, Case{3, 1, 7, 7, 7}, Case{2, 2, 5, 10, 1}}) {
    for (DType dt : {DType::kF32, DType::kBF16, DType::kI32}) {
      const std::string what = absl::StrCat("patches b", k.b, " c", k.c, " ", k.h, "x", k.w, " p",
                                            k.p, " ", DTypeName(dt));
      const Shape image = {k.b, k.c, k.h, k.w};
      const Shape patches = {k.b, (k.h / k.p) * (k.w / k.p), k.c * k.p * k.p};
      Tensor x = Random(image, seed++, dt);
      Tensor out[2] = {Tensor::Zeros(patches, dt), Tensor::Zeros(patches, dt)};
      ASSERT_TRUE(Kernel(ImageToPatchesKernels(), "cpu_fused", dt)(x, k.p, &out[0]).ok());
      ASSERT_TRUE(Kernel(ImageToPatchesKernels(), "reference", dt)(x, k.p, &out[1]).ok());
      EXPECT_TRUE(SameBytes(out[0], out[1])) << what;
      Tensor back[2] = {Tensor::Zeros(image, dt), Tensor::Zeros(image, dt)};
      ASSERT_TRUE(Kernel(PatchesToImageKernels(), "cpu_fused", dt)(out[1], k.p, &back[0]).ok());
      ASSERT_TRUE(Kernel(PatchesToImageKernels(), "reference", dt)(out[1], k.p, &back[1]).ok());
      EXPECT_TRUE(SameBytes(back[0], back[1])) << what;
      EXPECT_TRUE(SameBytes(back[0], x)) << what << ": fold(unfold(x)) != x";
    }
  }
}

TEST(VisionCpuFused, PixelShuffleMatchesReferenceBitForBit) {
  struct Case {
    int64_t b, gh, gw, c, r;
  };
  uint64_t seed = 50;
  for (const Case& k :
       {Case{2, 4, 6, 3, 2}, Case{1, 9, 3, 5, 3}, Case{3, 4, 4, 1, 4}, Case{2, 3, 5, 7, 1}}) {
    for (DType dt : {DType::kF32, DType::kBF16, DType::kI32}) {
      const std::string what = absl::StrCat("pixel_shuffle b", k.b, " ", k.gh, "x", k.gw, " c", k.c,
                                            " r", k.r, " ", DTypeName(dt));
      const Shape tokens = {k.b, k.gh * k.gw, k.c};
      const Shape shuffled = {k.b, (k.gh / k.r) * (k.gw / k.r), k.c * k.r * k.r};
      Tensor x = Random(tokens, seed++, dt);
      Tensor out[2] = {Tensor::Zeros(shuffled, dt), Tensor::Zeros(shuffled, dt)};
      for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(Kernel(PixelShuffleKernels(), i == 0 ? "cpu_fused" : "reference", dt)(
                        x, k.gh, k.gw, k.r, &out[i])
                        .ok());
      }
      EXPECT_TRUE(SameBytes(out[0], out[1])) << what;
      Tensor back[2] = {Tensor::Zeros(tokens, dt), Tensor::Zeros(tokens, dt)};
      for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(Kernel(PixelShuffleInverseKernels(), i == 0 ? "cpu_fused" : "reference", dt)(
                        out[1], k.gh, k.gw, k.r, &back[i])
                        .ok());
      }
      EXPECT_TRUE(SameBytes(back[0], back[1])) << what;
      EXPECT_TRUE(SameBytes(back[0], x)) << what << ": inverse(shuffle(x)) != x";
    }
  }
}

// vision_ops.h: a 4 x 4 grid of 1-channel tokens 0..15 with r = 2.
TEST(VisionCpuFused, HandCheckedPixelShuffle) {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[i] = static_cast<float>(i);
  Tensor out = Tensor::Zeros({1, 4, 4});
  ASSERT_TRUE(BackendKernel(PixelShuffleKernels(), "cpu_fused")(Tensor::FromVector({1, 16, 1}, v),
                                                                4, 4, 2, &out)
                  .ok());
  EXPECT_EQ(out.ToVector(),
            (std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}));
}

TEST(VisionCpuFused, AvgPoolMatchesReferenceBitForBit) {
  struct Case {
    GridLayout layout;
    Shape x;
    int64_t gh, gw, k;
  };
  uint64_t seed = 100;
  for (const Case& c : {Case{GridLayout::kTokens, {2, 24, 5}, 4, 6, 2},
                        Case{GridLayout::kTokens, {1, 27, 3}, 9, 3, 3},
                        Case{GridLayout::kImages, {2, 3, 6, 9}, 6, 9, 3},
                        Case{GridLayout::kImages, {1, 2, 4, 4}, 4, 4, 1}}) {
    const std::string what =
        absl::StrCat("avg_pool ", GridLayoutName(c.layout), " ", ShapeString(c.x), " k", c.k);
    const int64_t oh = c.gh / c.k, ow = c.gw / c.k;
    const Shape out_shape = c.layout == GridLayout::kTokens ? Shape{c.x[0], oh * ow, c.x[2]}
                                                            : Shape{c.x[0], c.x[1], oh, ow};
    Tensor x = Tensor::RandN(c.x, seed++), g = Tensor::RandN(out_shape, seed++);
    Tensor y[2] = {Tensor::Zeros(out_shape), Tensor::Zeros(out_shape)};
    Tensor gx[2] = {Tensor::Zeros(c.x), Tensor::Zeros(c.x)};
    const char* backends[2] = {"cpu_fused", "reference"};
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(
          BackendKernel(AvgPoolKernels(), backends[i])(c.layout, x, c.gh, c.gw, c.k, &y[i]).ok());
      ASSERT_TRUE(
          BackendKernel(AvgPoolBackwardKernels(), backends[i])(c.layout, g, c.gh, c.gw, c.k, &gx[i])
              .ok());
    }
    EXPECT_TRUE(SameBytes(y[0], y[1])) << what;
    EXPECT_TRUE(SameBytes(gx[0], gx[1])) << what;
  }
}

TEST(EmbeddingCpuFused, BackwardMatchesReferenceBitForBit) {
  uint64_t seed = 200;
  for (int64_t v : {1, 7, 300}) {
    for (int64_t c : {1, 5, 64, 131}) {
      for (int64_t n : {0, 1, 13, 500}) {
        std::vector<int32_t> ids(n);
        // Repeats, gaps (unused rows) and the last row.
        for (int64_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>((i * i * 7 + 3) % v);
        if (n > 0) ids[n - 1] = static_cast<int32_t>(v - 1);
        Tensor id = Tensor::FromInts({n}, ids), g = Tensor::RandN({n, c}, seed++, 10.0f);
        Tensor out[2] = {Tensor::Full({v, c}, 7.0f), Tensor::Full({v, c}, 7.0f)};
        ASSERT_TRUE(BackendKernel(EmbeddingBackwardKernels(), "cpu_fused")(id, g, &out[0]).ok());
        ASSERT_TRUE(BackendKernel(EmbeddingBackwardKernels(), "reference")(id, g, &out[1]).ok());
        EXPECT_TRUE(SameBytes(out[0], out[1])) << "v" << v << " c" << c << " n" << n;
      }
    }
  }
}

TEST(EmbeddingCpuFused, BadIdsAreErrors) {
  Tensor g = Tensor::RandN({2, 3}, 1), out = Tensor::Zeros({4, 3});
  absl::Status s = BackendKernel(EmbeddingBackwardKernels(), "cpu_fused")(
      Tensor::FromInts({2}, {1, 4}), g, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("id 4 at position 1")) << s;
  s = BackendKernel(EmbeddingBackwardKernels(), "cpu_fused")(Tensor::FromInts({2}, {-1, 0}), g,
                                                             &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(VisionCpuFused, BitwiseSameForAnyThreadCount) {
  // Large enough for the parallel split.
  Tensor images = Tensor::RandN({4, 3, 64, 64}, 3), tokens = Tensor::RandN({4, 256, 96}, 4);
  std::vector<int32_t> ids(3000);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 31) % 263);
  Tensor id = Tensor::FromInts({3000}, ids), g = Tensor::RandN({3000, 40}, 5);
  auto run = [&] {
    std::vector<Tensor> outs = {Tensor::Zeros({4, 64, 192}), Tensor::Zeros({4, 64, 384}),
                                Tensor::Zeros({4, 64, 96}), Tensor::Zeros({263, 40})};
    CHECK(BackendKernel(ImageToPatchesKernels(), "cpu_fused")(images, 8, &outs[0]).ok());
    CHECK(BackendKernel(PixelShuffleKernels(), "cpu_fused")(tokens, 16, 16, 2, &outs[1]).ok());
    CHECK(BackendKernel(AvgPoolKernels(), "cpu_fused")(GridLayout::kTokens, tokens, 16, 16, 2,
                                                       &outs[2])
              .ok());
    CHECK(BackendKernel(EmbeddingBackwardKernels(), "cpu_fused")(id, g, &outs[3]).ok());
    return outs;
  };
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<Tensor> want = run();
  for (int threads : {2, 3}) {
    omp_set_num_threads(threads);
    const std::vector<Tensor> got = run();
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_TRUE(SameBytes(got[i], want[i])) << "output " << i << ", " << threads << " threads";
    }
  }
  omp_set_num_threads(saved);
}

TEST(VisionCpuFused, GradientsThroughOps) {
  EXPECT_TRUE(GradCheck([](const std::vector<Tensor>& in) { return ops::ImageToPatches(in[0], 2); },
                        {Tensor::RandN({2, 3, 4, 6}, 1)})
                  .ok());
  EXPECT_TRUE(
      GradCheck([](const std::vector<Tensor>& in) { return ops::PixelShuffle(in[0], 4, 2, 2); },
                {Tensor::RandN({2, 8, 3}, 2)})
          .ok());
  EXPECT_TRUE(
      GradCheck([](const std::vector<Tensor>& in) { return ops::AvgPoolTokens(in[0], 3, 6, 3); },
                {Tensor::RandN({2, 18, 5}, 3)})
          .ok());
  Tensor ids = Tensor::FromInts({2, 3}, {0, 2, 2, 4, 0, 1});
  EXPECT_TRUE(GradCheck([&](const std::vector<Tensor>& in) { return ops::Embedding(ids, in[0]); },
                        {Tensor::RandN({5, 7}, 4)})
                  .ok());
}

}  // namespace
}  // namespace vlmlab
