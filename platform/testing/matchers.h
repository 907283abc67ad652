// GoogleTest matchers every test may use (testonly; see platform/testing/BUILD):
//
//   EXPECT_THAT(got, IsClose(want, /*atol=*/1e-5, /*rtol=*/1e-4));   // tensors, elementwise
//   EXPECT_THAT(got, IsClose(want, 0, 0));                            // bitwise (NaN == NaN)
//   EXPECT_THAT(ReadSpec(path), StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
//   EXPECT_THAT(LoadWeights(dir), IsOk());
//
// IsClose: same shape, and |got - want| <= atol + rtol * |want| for every element (equal
// values match, infinities included; NaN matches NaN only); a mismatch reports how many elements fail, the worst one and the tolerances.
// Tolerances are always (atol, rtol), in that order. StatusIs takes an absl::Status or an
// absl::StatusOr<T>.
#ifndef VLMLAB_PLATFORM_TESTING_MATCHERS_H_
#define VLMLAB_PLATFORM_TESTING_MATCHERS_H_

#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {
namespace testing_internal {

class IsCloseMatcher {
 public:
  using is_gtest_matcher = void;
  IsCloseMatcher(Tensor want, double atol, double rtol)
      : want_(std::move(want)), atol_(atol), rtol_(rtol) {}

  bool MatchAndExplain(const Tensor& got, std::ostream* os) const {
    if (!got.defined() || !want_.defined()) {
      if (os) *os << "a tensor is undefined";
      return got.defined() == want_.defined();
    }
    if (got.shape() != want_.shape()) {
      if (os) *os << "shape " << got.DebugString() << ", want " << want_.DebugString();
      return false;
    }
    const std::vector<float> g = got.Contiguous().ToVector();
    const std::vector<float> w = want_.Contiguous().ToVector();
    int64_t bad = 0, worst = -1;
    double worst_excess = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      if (g[i] == w[i] || (std::isnan(g[i]) && std::isnan(w[i]))) continue;  // infinities too
      const double err = std::fabs(static_cast<double>(g[i]) - w[i]);
      const double excess = err - (atol_ + rtol_ * std::fabs(static_cast<double>(w[i])));
      // Unequal values where one is infinite or NaN never match (inf - inf tolerances are NaN).
      if (excess > 0 || !std::isfinite(err) || !std::isfinite(w[i])) {
        ++bad;
        if (worst < 0 || !std::isfinite(excess) || excess > worst_excess) {
          worst = static_cast<int64_t>(i);
          worst_excess = std::isfinite(excess) ? excess : INFINITY;
        }
      }
    }
    if (bad == 0) return true;
    if (os) {
      *os << bad << " of " << g.size() << " elements out of tolerance; worst at flat index "
          << worst << ": got " << g[worst] << ", want " << w[worst];
    }
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "is within atol " << atol_ << " + rtol " << rtol_ << " * |want| of "
        << want_.DebugString();
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "differs somewhere by more than atol " << atol_ << " + rtol " << rtol_
        << " * |want| from " << want_.DebugString();
  }

 private:
  Tensor want_;
  double atol_, rtol_;
};

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace testing_internal

// Failure messages show a tensor's dtype and shape instead of its bytes.
inline void PrintTo(const Tensor& t, std::ostream* os) { *os << t.DebugString(); }

inline testing_internal::IsCloseMatcher IsClose(Tensor want, double atol, double rtol) {
  return testing_internal::IsCloseMatcher(std::move(want), atol, rtol);
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "is not" : "is") + " a status with code " +
               absl::StatusCodeToString(code)) {
  const absl::Status& s = testing_internal::GetStatus(arg);
  if (s.code() != code) {
    *result_listener << "the code is " << absl::StatusCodeToString(s.code()) << ": "
                     << s.message();
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& s = testing_internal::GetStatus(arg);
  if (!s.ok()) *result_listener << s;
  return s.ok();
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TESTING_MATCHERS_H_
