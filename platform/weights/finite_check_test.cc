#include "platform/weights/finite_check.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vlmlab::weights {
namespace {

TEST(FiniteCheck, NamesTheTensorsHoldingNanOrInfinity) {
  std::map<std::string, Tensor> t;
  t["a.weight"] = Tensor::FromVector({2}, {1.0f, 2.0f});
  t["b.weight"] = Tensor::FromVector({2}, {1.0f, std::nanf("")});
  t["c.bias"] = Tensor::FromVector({1}, {std::numeric_limits<float>::infinity()}).To(DType::kBF16);
  t["ids"] = Tensor::FromInts({2}, {1, 2});
  EXPECT_EQ(NonFiniteTensors(t), (std::vector<std::string>{"b.weight", "c.bias"}));
  absl::Status s = CheckFinite(t, "ckpt/model.safetensors");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("ckpt/model.safetensors: non-finite values (NaN or infinity) in 2 "
                             "tensors: b.weight, c.bias"),
            std::string::npos)
      << s;
  t.erase("b.weight");
  t.erase("c.bias");
  EXPECT_TRUE(CheckFinite(t, "x").ok());
}

}  // namespace
}  // namespace vlmlab::weights
