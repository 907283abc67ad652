// The cpu_fused kernels give bitwise-identical results run to run and for any OpenMP thread
// count (rows are split over threads; the weight / bias gradients sum fixed row chunks in
// order), on shapes large enough to run in parallel and to span several gradient chunks and
// accumulation blocks. The same runs are also compared with the reference kernels (the
// per-kernel tests' tolerances).
#include <omp.h>

#include <cstring>
#include <functional>

#include "gtest/gtest.h"
#include "kernels/api/cross_entropy.h"
#include "kernels/api/normalization.h"
#include "kernels/api/softmax.h"
#include "kernels/cpu_fused/fused_testing.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {
namespace {

// Large enough for the parallel path (>= 32768 elements), several 32-row gradient chunks and
// rows longer than one 256-column accumulation block, with odd sizes everywhere.
const std::vector<Shape> kShapes = {{300, 517}, {3, 41, 1001}, {2049, 37}};
const int kThreadCounts[] = {1, 2, 3, 1};

bool BitwiseEqual(const Tensor& a, const Tensor& b) {
  std::vector<float> x = a.ToVector(), y = b.ToVector();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), sizeof(float) * x.size()) == 0;
}

// Runs `run` (which fills the tensors it returns) with each thread count and expects the same
// bits every time.
void ExpectSameForAnyThreadCount(const std::function<std::vector<Tensor>()>& run,
                                 const std::string& what) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<Tensor> want = run();
  for (int threads : kThreadCounts) {
    omp_set_num_threads(threads);
    const std::vector<Tensor> got = run();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_TRUE(BitwiseEqual(got[i], want[i]))
          << what << ": output " << i << " differs with " << threads << " threads";
    }
  }
  omp_set_num_threads(saved);
}

Shape Rows(const Shape& s) { return {NumElements(Shape(s.begin(), s.end() - 1))}; }

TEST(CpuFusedThreads, SoftmaxIsDeterministic) {
  uint64_t seed = 1;
  for (SoftmaxKind kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLog}) {
    for (const Shape& shape : kShapes) {
      const std::string what = absl::StrCat(SoftmaxKindName(kind), " ", ShapeString(shape));
      Tensor x = Tensor::RandN(shape, seed++, 4.0f), gy = Tensor::RandN(shape, seed++);
      auto* fused = BackendKernel(SoftmaxKernels(), "cpu_fused");
      auto* fused_bwd = BackendKernel(SoftmaxBackwardKernels(), "cpu_fused");
      ExpectSameForAnyThreadCount(
          [&] {
            Tensor y = Tensor::Zeros(shape), gx = Tensor::Zeros(shape);
            EXPECT_TRUE(fused(kind, x, &y).ok());
            EXPECT_TRUE(fused_bwd(kind, y, gy, &gx).ok());
            return std::vector<Tensor>{y, gx};
          },
          what);
      Tensor y = Tensor::Zeros(shape), y_ref = Tensor::Zeros(shape);
      ASSERT_TRUE(fused(kind, x, &y).ok());
      ASSERT_TRUE(BackendKernel(SoftmaxKernels(), "reference")(kind, x, &y_ref).ok());
      EXPECT_THAT(y, IsClose(y_ref, 1e-6, 1e-5)) << what + " forward";
      Tensor gx = Tensor::Zeros(shape), gx_ref = Tensor::Zeros(shape);
      ASSERT_TRUE(fused_bwd(kind, y_ref, gy, &gx).ok());
      ASSERT_TRUE(
          BackendKernel(SoftmaxBackwardKernels(), "reference")(kind, y_ref, gy, &gx_ref).ok());
      EXPECT_THAT(gx, IsClose(gx_ref, 1e-5, 1e-4)) << what + " backward";
    }
  }
}

TEST(CpuFusedThreads, LayerNormIsDeterministic) {
  uint64_t seed = 100;
  for (const Shape& shape : kShapes) {
    const std::string what = absl::StrCat("layer_norm ", ShapeString(shape));
    const int64_t c = shape.back();
    Tensor x = Tensor::RandN(shape, seed++, 2.0f), gy = Tensor::RandN(shape, seed++);
    Tensor w = Tensor::RandN({c}, seed++), b = Tensor::RandN({c}, seed++);
    auto* fused = BackendKernel(LayerNormKernels(), "cpu_fused");
    auto* fused_bwd = BackendKernel(LayerNormBackwardKernels(), "cpu_fused");
    auto run = [&](bool with_gx) {
      Tensor y = Tensor::Zeros(shape), mean = Tensor::Zeros(Rows(shape));
      Tensor rstd = Tensor::Zeros(Rows(shape)), gx = Tensor::Zeros(shape);
      Tensor gw = Tensor::Zeros({c}), gb = Tensor::Zeros({c});
      EXPECT_TRUE(fused(x, w, b, 1e-5f, &y, &mean, &rstd).ok());
      EXPECT_TRUE(fused_bwd(x, w, mean, rstd, gy, with_gx ? &gx : nullptr, &gw, &gb).ok());
      return std::vector<Tensor>{y, mean, rstd, gx, gw, gb};
    };
    ExpectSameForAnyThreadCount([&] { return run(true); }, what);
    ExpectSameForAnyThreadCount([&] { return run(false); }, what + " without gx");

    const std::vector<Tensor> got = run(true);
    Tensor y = Tensor::Zeros(shape), mean = Tensor::Zeros(Rows(shape));
    Tensor rstd = Tensor::Zeros(Rows(shape)), gx = Tensor::Zeros(shape);
    Tensor gw = Tensor::Zeros({c}), gb = Tensor::Zeros({c});
    ASSERT_TRUE(
        BackendKernel(LayerNormKernels(), "reference")(x, w, b, 1e-5f, &y, &mean, &rstd).ok());
    ASSERT_TRUE(
        BackendKernel(LayerNormBackwardKernels(), "reference")(x, w, mean, rstd, gy, &gx, &gw, &gb)
            .ok());
    EXPECT_THAT(got[0], IsClose(y, 1e-5, 1e-5)) << what + " y";
    EXPECT_THAT(got[1], IsClose(mean, 1e-5, 1e-6)) << what + " mean";
    EXPECT_THAT(got[2], IsClose(rstd, 1e-5, 1e-4)) << what + " rstd";
    EXPECT_THAT(got[3], IsClose(gx, 1e-4, 1e-4)) << what + " gx";
    EXPECT_THAT(got[4], IsClose(gw, 1e-4, 1e-4)) << what + " gweight";
    EXPECT_THAT(got[5], IsClose(gb, 1e-4, 1e-4)) << what + " gbias";
  }
}

TEST(CpuFusedThreads, RmsNormIsDeterministic) {
  uint64_t seed = 200;
  for (const Shape& shape : kShapes) {
    const std::string what = absl::StrCat("rms_norm ", ShapeString(shape));
    const int64_t c = shape.back();
    Tensor x = Tensor::RandN(shape, seed++, 2.0f), gy = Tensor::RandN(shape, seed++);
    Tensor w = Tensor::RandN({c}, seed++);
    auto* fused = BackendKernel(RmsNormKernels(), "cpu_fused");
    auto* fused_bwd = BackendKernel(RmsNormBackwardKernels(), "cpu_fused");
    auto run = [&] {
      Tensor y = Tensor::Zeros(shape), rstd = Tensor::Zeros(Rows(shape));
      Tensor gx = Tensor::Zeros(shape), gw = Tensor::Zeros({c});
      EXPECT_TRUE(fused(x, w, 1e-6f, &y, &rstd).ok());
      EXPECT_TRUE(fused_bwd(x, w, rstd, gy, &gx, &gw).ok());
      return std::vector<Tensor>{y, rstd, gx, gw};
    };
    ExpectSameForAnyThreadCount(run, what);

    const std::vector<Tensor> got = run();
    Tensor y = Tensor::Zeros(shape), rstd = Tensor::Zeros(Rows(shape));
    Tensor gx = Tensor::Zeros(shape), gw = Tensor::Zeros({c});
    ASSERT_TRUE(BackendKernel(RmsNormKernels(), "reference")(x, w, 1e-6f, &y, &rstd).ok());
    ASSERT_TRUE(
        BackendKernel(RmsNormBackwardKernels(), "reference")(x, w, rstd, gy, &gx, &gw).ok());
    EXPECT_THAT(got[0], IsClose(y, 1e-5, 1e-5)) << what + " y";
    EXPECT_THAT(got[1], IsClose(rstd, 1e-5, 1e-5)) << what + " rstd";
    EXPECT_THAT(got[2], IsClose(gx, 1e-4, 1e-4)) << what + " gx";
    EXPECT_THAT(got[3], IsClose(gw, 1e-4, 1e-4)) << what + " gweight";
  }
}

TEST(CpuFusedThreads, CrossEntropyIsDeterministic) {
  uint64_t seed = 300;
  for (const Shape& shape : kShapes) {
    const int64_t v = shape.back();
    Shape ts(shape.begin(), shape.end() - 1);
    std::vector<int32_t> t(NumElements(ts));
    for (size_t i = 0; i < t.size(); ++i) {
      t[i] = CounterUniform(seed, i) < 0.2f ? -100
                                            : static_cast<int32_t>(CounterBits(seed + 1, i) % v);
    }
    Tensor targets = Tensor::FromInts(ts, t);
    Tensor logits = Tensor::RandN(shape, seed + 2, 3.0f);
    seed += 3;
    for (auto r : {CrossEntropyReduction::kMean, CrossEntropyReduction::kSum,
                   CrossEntropyReduction::kNone}) {
      const std::string what =
          absl::StrCat("cross_entropy ", ShapeString(shape), " ", CrossEntropyReductionName(r));
      CrossEntropyParams p;
      p.reduction = r;
      p.label_smoothing = 0.1f;
      const Shape ls = r == CrossEntropyReduction::kNone ? ts : Shape{};
      Tensor grad_loss = Tensor::RandN(ls, seed++);
      auto* fused = BackendKernel(CrossEntropyKernels(), "cpu_fused");
      auto* fused_bwd = BackendKernel(CrossEntropyBackwardKernels(), "cpu_fused");
      auto run = [&] {
        Tensor loss = Tensor::Zeros(ls), lse = Tensor::Zeros({NumElements(ts)});
        Tensor grad = Tensor::Full(shape, 7.0f);
        EXPECT_TRUE(fused(logits, targets, p, &loss, &lse).ok());
        EXPECT_TRUE(fused_bwd(logits, targets, lse, grad_loss, p, &grad).ok());
        return std::vector<Tensor>{loss, lse, grad};
      };
      ExpectSameForAnyThreadCount(run, what);

      const std::vector<Tensor> got = run();
      Tensor loss = Tensor::Zeros(ls), lse = Tensor::Zeros({NumElements(ts)});
      Tensor grad = Tensor::Zeros(shape);
      ASSERT_TRUE(
          BackendKernel(CrossEntropyKernels(), "reference")(logits, targets, p, &loss, &lse).ok());
      ASSERT_TRUE(BackendKernel(CrossEntropyBackwardKernels(), "reference")(logits, targets, lse,
                                                                            grad_loss, p, &grad)
                      .ok());
      EXPECT_THAT(got[0], IsClose(loss, 1e-5, 1e-5)) << what + " loss";
      EXPECT_THAT(got[1], IsClose(lse, 1e-5, 1e-5)) << what + " lse";
      // The fused backward ran on its own lse, within 1e-5 of the reference's.
      EXPECT_THAT(got[2], IsClose(grad, 1e-6, 1e-4)) << what + " grad";
    }
  }
}

}  // namespace
}  // namespace vlmlab
