#include "platform/ops/embedding_ops.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

TEST(EmbeddingOps, GathersRows) {
  Tensor table = Tensor::FromVector({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
  Tensor out = ops::Embedding(Tensor::FromInts({2, 2}, {3, 0, 3, 1}), table).value();
  EXPECT_EQ(out.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(out.ToVector(), (std::vector<float>{30, 31, 0, 1, 30, 31, 10, 11}));
  Tensor tb = ops::Embedding(Tensor::FromInts({1}, {2}), table.To(DType::kBF16)).value();
  EXPECT_EQ(tb.dtype(), DType::kBF16);
  EXPECT_EQ(tb.ToVector(), (std::vector<float>{20, 21}));
}

TEST(EmbeddingOps, BackwardScatterAddsRepeatedIds) {
  Tensor table = Tensor::RandN({4, 3}, 1);
  table.set_requires_grad(true);
  Tensor ids = Tensor::FromInts({2, 2}, {3, 0, 3, 3});
  Tensor out = ops::Embedding(ids, table).value();
  Tensor seed = Tensor::FromVector({2, 2, 3}, {1, 2, 3, 4, 5, 6, 10, 20, 30, 100, 200, 300});
  ASSERT_TRUE(Backward(out, seed).ok());
  EXPECT_EQ(table.grad().ToVector(),
            (std::vector<float>{4, 5, 6, 0, 0, 0, 0, 0, 0, 111, 222, 333}));
}

TEST(EmbeddingOps, GradientsMatchFiniteDifferencesAndAreDeterministic) {
  for (const Shape& ids_shape : {Shape{3, 5}, Shape{1}, Shape{2, 3, 7}}) {
    std::vector<int32_t> ids(NumElements(ids_shape));
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 5 + 2) % 11);
    Tensor id_tensor = Tensor::FromInts(ids_shape, ids), table = Tensor::RandN({11, 7}, 2);
    absl::Status s =
        GradCheck([](const std::vector<Tensor>& in) { return ops::Embedding(in[0], in[1]); },
                  {id_tensor, table});
    EXPECT_TRUE(s.ok()) << ShapeString(ids_shape) << ": " << s;
  }
  std::vector<float> first;
  for (int run = 0; run < 2; ++run) {
    Tensor table = Tensor::RandN({5, 3}, 3);
    table.set_requires_grad(true);
    Tensor out = ops::Embedding(Tensor::FromInts({6}, {1, 1, 4, 1, 0, 4}), table).value();
    ASSERT_TRUE(Backward(out, Tensor::RandN({6, 3}, 4)).ok());
    if (run == 0)
      first = table.grad().ToVector();
    else
      EXPECT_EQ(table.grad().ToVector(), first);  // bitwise
  }
}

TEST(EmbeddingOps, Errors) {
  Tensor table = Tensor::Zeros({4, 2});
  absl::StatusOr<Tensor> r = ops::Embedding(Tensor::FromInts({2, 2}, {0, 1, 4, 0}), table);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("embedding: ids i32[2, 2] cpu and table f32[4, 2] cpu: id "
                                      "4 at position [1, 0] is outside [0, 4)"),
            std::string::npos)
      << r.status();
  r = ops::Embedding(Tensor::FromInts({1}, {-1}), table);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("id -1 at position [0]")) << r.status();
  EXPECT_FALSE(ops::Embedding(Tensor::Zeros({2}), table).ok());                       // f32 ids
  EXPECT_FALSE(ops::Embedding(Tensor::FromInts({1}, {0}), Tensor::Zeros({4})).ok());  // 1-D
  EXPECT_FALSE(ops::Embedding(Tensor::FromInts({1}, {0}), Tensor::FromInts({1, 1}, {0})).ok());
  EXPECT_FALSE(ops::Embedding(Tensor(), table).ok());
  EXPECT_TRUE(ops::Embedding(Tensor::FromInts({0}, {}), table).ok());  // no ids
}

}  // namespace
}  // namespace vlmlab
