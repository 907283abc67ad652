#include "plugins/evaluators/zero_shot_scoring.h"

#include "gtest/gtest.h"

namespace vlmlab {
namespace {

TEST(NearestClass, PicksTheClassWithTheLargestDotProduct) {
  // Classes along the axes of 3-d space; images near one axis each, one exactly between
  // classes 0 and 1 (a tie goes to the first).
  std::vector<float> classes = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  std::vector<float> images = {0.1f, 0.9f, 0.1f,   // class 1
                               0.0f, 0.2f, 0.98f,  // class 2
                               0.7f, 0.7f, 0.0f,   // tie of 0 and 1: 0
                               -1, 0, 0};          // opposite of 0: the least negative wins
  EXPECT_EQ(NearestClass(images, classes, 3), (std::vector<int>{1, 2, 0, 1}));
}

TEST(PairRanks, CountsStrictlyBetterCandidatesBothWays) {
  // Image 0 matches its text; image 1 is closer to text 0 than to its own text 1; texts 1 and
  // 2 are identical, so image 2 finds its caption at rank 0 despite the duplicate.
  std::vector<float> images = {1, 0, 0.8f, 0.6f, 0, 1};
  std::vector<float> texts = {0.8f, 0.6f, 0, 1, 0, 1};
  RetrievalRanks r = PairRanks(images, texts, 2);
  // image . text: row 0 = [0.8, 0, 0]; row 1 = [1.0, 0.6, 0.6]; row 2 = [0.6, 1, 1].
  EXPECT_EQ(r.image_to_text, (std::vector<int64_t>{0, 1, 0}));
  // text j's scores over images: text 0 = [0.8, 1.0, 0.6] (own 0.8: one better);
  // text 1 = [0, 0.6, 1] (own 0.6: one better); text 2 = [0, 0.6, 1] (own 1: none).
  EXPECT_EQ(r.text_to_image, (std::vector<int64_t>{1, 1, 0}));
}

}  // namespace
}  // namespace vlmlab
