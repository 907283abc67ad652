#include "platform/ops/matmul_ops.h"

#include "gtest/gtest.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

TEST(MatmulOps, ValuesWithTransposesAndSharedWeights) {
  Tensor a = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::FromVector({3, 2}, {1, 0, 0, 1, 1, 1});
  EXPECT_EQ(ops::Matmul(a, b)->ToVector(), (std::vector<float>{4, 5, 10, 11}));
  EXPECT_EQ(ops::Matmul(a, a, false, true)->ToVector(), (std::vector<float>{14, 32, 32, 77}));
  EXPECT_EQ(ops::Matmul(a, a, true, false)->shape(), (Shape{3, 3}));
  Tensor batched = Tensor::RandN({4, 2, 3}, 1);
  EXPECT_EQ(ops::Matmul(batched, b)->shape(), (Shape{4, 2, 2}));
  Tensor w = Tensor::FromVector({2, 3}, {1, 1, 1, 0, 0, 1});
  Tensor bias = Tensor::FromVector({2}, {10, 20});
  EXPECT_EQ(ops::Linear(a, w, bias)->ToVector(), (std::vector<float>{16, 23, 25, 26}));
}

TEST(MatmulOps, ShapeErrorsNameBothShapes) {
  absl::StatusOr<Tensor> r = ops::Matmul(Tensor::Zeros({2, 3}), Tensor::Zeros({4, 5}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("matmul: [2, 3] x [4, 5]: inner dimensions differ"),
            std::string::npos)
      << r.status();
  EXPECT_FALSE(ops::Matmul(Tensor::Zeros({2, 2, 3}), Tensor::Zeros({3, 3, 4})).ok());
  EXPECT_FALSE(ops::Linear(Tensor::Zeros({2, 3}), Tensor::Zeros({4, 5})).ok());
}

TEST(MatmulOps, GradientsForEveryTransposeAndBatchLayout) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Tensor a = Tensor::RandN(ta ? Shape{3, 5, 4} : Shape{3, 4, 5}, 1);
      Tensor b = Tensor::RandN(tb ? Shape{3, 6, 5} : Shape{3, 5, 6}, 2);
      Tensor shared = Tensor::RandN(tb ? Shape{6, 5} : Shape{5, 6}, 3);
      auto f = [ta, tb](const std::vector<Tensor>& in) {
        return ops::Matmul(in[0], in[1], ta, tb);
      };
      absl::Status batched = GradCheck(f, {a, b});
      EXPECT_TRUE(batched.ok()) << ta << tb << ": " << batched;
      absl::Status with_shared = GradCheck(f, {a, shared});
      EXPECT_TRUE(with_shared.ok()) << ta << tb << " shared: " << with_shared;
    }
  }
  absl::Status linear =
      GradCheck([](const std::vector<Tensor>& in) { return ops::Linear(in[0], in[1], in[2]); },
                {Tensor::RandN({2, 3, 7}, 4), Tensor::RandN({5, 7}, 5), Tensor::RandN({5}, 6)});
  EXPECT_TRUE(linear.ok()) << linear;
}

}  // namespace
}  // namespace vlmlab
