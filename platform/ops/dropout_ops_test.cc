#include "platform/ops/dropout_ops.h"

#include <cmath>
#include <thread>

#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {
namespace {

TEST(DropoutOps, IdentityWhenNotTrainingOrPZero) {
  Tensor x = Tensor::RandN({3, 4}, 1);
  EXPECT_EQ(ops::Dropout(x, 0.5f, 7, /*training=*/false)->ToVector(), x.ToVector());
  EXPECT_EQ(ops::Dropout(x, 0.0f, 7)->ToVector(), x.ToVector());
}

TEST(DropoutOps, MaskIsAFunctionOfSeedAndIndex) {
  const float p = 0.25f;
  Tensor x = Tensor::RandN({5, 37}, 2);
  std::vector<float> y = ops::Dropout(x, p, 99)->ToVector(), xv = x.ToVector();
  for (size_t i = 0; i < y.size(); ++i) {
    float want = CounterUniform(99, i) >= p ? xv[i] / (1 - p) : 0.0f;
    EXPECT_FLOAT_EQ(y[i], want) << "at " << i;
  }
  // Same seed, same mask; another seed, another mask; a prefix of a bigger tensor has the
  // smaller tensor's mask (nothing depends on the size or on how the work is split).
  EXPECT_EQ(ops::Dropout(x, p, 99)->ToVector(), y);
  EXPECT_NE(ops::Dropout(x, p, 100)->ToVector(), y);
  Tensor ones = Tensor::Full({1000}, 1.0f), fewer = Tensor::Full({300}, 1.0f);
  std::vector<float> big = ops::Dropout(ones, p, 5)->ToVector();
  EXPECT_EQ(ops::Dropout(fewer, p, 5)->ToVector(),
            std::vector<float>(big.begin(), big.begin() + 300));
  // Concurrent calls from several threads agree.
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { results[t] = ops::Dropout(ones, p, 5)->ToVector(); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, big);
}

TEST(DropoutOps, Statistics) {
  const int n = 200000;
  for (float p : {0.1f, 0.5f, 0.9f}) {
    std::vector<float> y = ops::Dropout(Tensor::Full({n}, 1.0f), p, 1234)->ToVector();
    double dropped = 0, mean = 0;
    for (float v : y) {
      dropped += v == 0;
      mean += v / n;
    }
    // 5 standard deviations of a binomial fraction is below 0.006 for n = 200000.
    EXPECT_NEAR(dropped / n, p, 0.006) << "p " << p;
    EXPECT_NEAR(mean, 1.0, 0.006 / (1 - p)) << "p " << p;  // E[y] = x
  }
}

TEST(DropoutOps, GradientUsesTheSameMask) {
  Tensor x = Tensor::RandN({3, 7, 37}, 3);
  absl::Status s =
      GradCheck([](const std::vector<Tensor>& in) { return ops::Dropout(in[0], 0.3f, 42); }, {x});
  EXPECT_TRUE(s.ok()) << s;
  Tensor w = Tensor::RandN({11}, 4);
  w.set_requires_grad(true);
  Tensor y = ops::Dropout(w, 0.5f, 8).value();
  ASSERT_TRUE(Backward(y, Tensor::Full({11}, 1.0f)).ok());
  std::vector<float> g = w.grad().ToVector(), yv = y.ToVector();
  for (int i = 0; i < 11; ++i) EXPECT_EQ(g[i], yv[i] == 0 ? 0.0f : 2.0f);
}

TEST(DropoutOps, Errors) {
  Tensor x = Tensor::Zeros({2, 3});
  absl::StatusOr<Tensor> r = ops::Dropout(x, 1.0f, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dropout: input [2, 3]: p 1 must be in [0, 1)"),
            std::string::npos)
      << r.status();
  EXPECT_FALSE(ops::Dropout(x, -0.1f, 1).ok());
  EXPECT_FALSE(ops::Dropout(x, std::nanf(""), 1).ok());
  EXPECT_FALSE(ops::Dropout(x, 1.0f, 1, /*training=*/false).ok());  // checked even in eval
  EXPECT_FALSE(ops::Dropout(Tensor::FromInts({1}, {1}), 0.5f, 1).ok());
  EXPECT_FALSE(ops::Dropout(Tensor(), 0.5f, 1).ok());
}

}  // namespace
}  // namespace vlmlab
