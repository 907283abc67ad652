// One BPE merge step: occurrences left to right without overlap, none, and short inputs.
#include "plugins/tokenizers/bpe_merge.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::bpe {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<int32_t> Merged(std::vector<int32_t> ids, int32_t left, int32_t right, int32_t to) {
  std::vector<int32_t> scratch = {7, 7, 7};  // leftovers must not leak into the result
  MergePair(left, right, to, ids, scratch);
  return ids;
}

TEST(MergePair, EveryOccurrenceLeftToRightWithoutOverlap) {
  EXPECT_THAT(Merged({1, 2, 1, 2, 3}, 1, 2, 9), ElementsAre(9, 9, 3));
  EXPECT_THAT(Merged({1, 1, 1}, 1, 1, 9), ElementsAre(9, 1));
  EXPECT_THAT(Merged({1, 1, 1, 1}, 1, 1, 9), ElementsAre(9, 9));
  EXPECT_THAT(Merged({2, 1, 3, 1, 2}, 1, 2, 9), ElementsAre(2, 1, 3, 9));
}

TEST(MergePair, NoOccurrenceAndShortInputsAreUnchanged) {
  EXPECT_THAT(Merged({2, 1, 3}, 1, 2, 9), ElementsAre(2, 1, 3));
  EXPECT_THAT(Merged({1}, 1, 2, 9), ElementsAre(1));
  EXPECT_THAT(Merged({}, 1, 2, 9), IsEmpty());
}

}  // namespace
}  // namespace vlmlab::bpe
