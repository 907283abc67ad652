// The matchers accept what they should and explain what they reject.
#include "platform/testing/matchers.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "platform/testing/temp_files.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Explain(const Tensor& got, const Tensor& want, double atol, double rtol) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(IsClose(want, atol, rtol), got, &listener);
  return listener.str();
}

TEST(IsCloseTest, ToleranceIsAtolPlusRtolTimesWant) {
  Tensor want = Tensor::FromVector({3}, {1.0f, 100.0f, -2.0f});
  EXPECT_THAT(Tensor::FromVector({3}, {1.0f, 100.0f, -2.0f}), IsClose(want, 0, 0));
  // 100 * 1e-3 = 0.1 of room on the second element, 1e-3 on the first.
  EXPECT_THAT(Tensor::FromVector({3}, {1.0005f, 100.09f, -2.0f}), IsClose(want, 0, 1e-3));
  EXPECT_THAT(Tensor::FromVector({3}, {1.0f, 100.2f, -2.0f}), Not(IsClose(want, 0, 1e-3)));
  EXPECT_THAT(Tensor::FromVector({3}, {1.05f, 100.0f, -2.0f}), IsClose(want, 0.1, 0));
  EXPECT_THAT(Tensor::FromVector({3}, {1.05f, 100.0f, -2.0f}), Not(IsClose(want, 0.01, 0)));
}

TEST(IsCloseTest, ExplainsShapeNanAndTheWorstElement) {
  Tensor want = Tensor::FromVector({2, 2}, {1, 2, 3, 4});
  EXPECT_THAT(Explain(Tensor::FromVector({4}, {1, 2, 3, 4}), want, 0, 0), HasSubstr("shape"));
  EXPECT_THAT(Explain(Tensor::FromVector({2, 2}, {1, 2.5f, 3, 9}), want, 0.1, 0),
              HasSubstr("2 of 4 elements out of tolerance; worst at flat index 3: got 9, want 4"));
  Tensor nan = Tensor::FromVector({1}, {NAN});
  EXPECT_THAT(nan, IsClose(nan, 0, 0));
  EXPECT_THAT(nan, Not(IsClose(Tensor::FromVector({1}, {0.0f}), 1, 1)));
  Tensor inf = Tensor::FromVector({2}, {-INFINITY, INFINITY});
  EXPECT_THAT(inf, IsClose(inf, 0, 0));
  EXPECT_THAT(Tensor::FromVector({2}, {INFINITY, INFINITY}), Not(IsClose(inf, 1, 1)));
}

TEST(StatusMatchersTest, CodeAndMessage) {
  absl::Status missing = absl::NotFoundError("cannot open a.json");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound, HasSubstr("a.json")));
  EXPECT_THAT(missing, Not(StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a.json"))));
  EXPECT_THAT(missing, Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("b.json"))));
  EXPECT_THAT(missing, Not(IsOk()));
  absl::StatusOr<int> value = 3;
  EXPECT_THAT(value, IsOk());
  absl::StatusOr<int> error = absl::InvalidArgumentError("bad");
  EXPECT_THAT(error, StatusIs(absl::StatusCode::kInvalidArgument, "bad"));
}

TEST(TempFilesTest, WritesAndMakesFreshDirectories) {
  const std::string path = WriteTempFile("a/b/c.bin", std::string("x\0y", 3));
  EXPECT_EQ(path, TempPath("a/b/c.bin"));
  std::ifstream in(path, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, std::string("x\0y", 3));
  const std::string dir = MakeTempDir("a");
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace vlmlab
