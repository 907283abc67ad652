// CIDEr-D as coco-caption computes it: hand-worked cases, the one-image degenerate case and a
// corpus checked against an independent restatement of cider_scorer.py.
#include "platform/metrics/cider.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

std::vector<CaptionExample> Examples(const std::vector<std::string>& cands,
                                     const std::vector<std::vector<std::string>>& refs) {
  std::vector<CaptionExample> out;
  for (size_t i = 0; i < cands.size(); ++i) {
    out.push_back(MakeCaptionExample(std::to_string(i), cands[i], refs[i]));
  }
  return out;
}

TEST(CiderTest, OneImageIsAlwaysZero) {
  // N = 1 and every reference n-gram has df = 1: every weight is log 1 - log 1 = 0, so the
  // cosines are 0 (zero norms are left undivided). The official scorer returns 0.0 too.
  EXPECT_DOUBLE_EQ(CiderD(Examples({"a dog"}, {{"a dog", "the dog"}})).Mean(), 0.0);
  EXPECT_DOUBLE_EQ(CiderD(Examples({"a cat on a mat"}, {{"a cat on a mat"}})).Mean(), 0.0);
}

TEST(CiderTest, HandWorkedTwoImages) {
  // Disjoint vocabularies, candidate = reference: every weight log 2, unigram and bigram
  // cosines 1, no 3- or 4-grams: 10 * (1 + 1 + 0 + 0) / 4 = 5 per image.
  EXPECT_NEAR(CiderD(Examples({"a b", "c d"}, {{"a b"}, {"c d"}})).Mean(), 5.0, 1e-12);
  // Image 0: cand "a b" vs ref "a b x y z w": unigram cosine 2 / sqrt(2 * 6), bigram 1 /
  // sqrt(5), length penalty exp(-(1 - 5)^2 / 72) on bigram counts.
  const CiderD cider(Examples({"a b", "c d"}, {{"a b x y z w"}, {"c d"}}));
  const std::vector<double> scores = cider.Scores();
  const double expected0 =
      10 * (2 / std::sqrt(12.0) + 1 / std::sqrt(5.0)) / 4 * std::exp(-16.0 / 72.0);
  EXPECT_NEAR(scores[0], expected0, 1e-12);
  EXPECT_NEAR(scores[0], 2.051016520334863, 1e-12);  // the reference computation
  EXPECT_NEAR(scores[1], 5.0, 1e-12);
  EXPECT_NEAR(cider.Mean(), 3.5255082601674315, 1e-12);
}

TEST(CiderTest, CorpusMatchesTheReferenceComputation) {
  const CiderD cider(
      Examples({"a man riding a horse", "two dogs play in the snow", "a red bus on the street"},
               {{"a man rides a horse on a beach", "a person riding a brown horse", "man on horse"},
                {"two dogs playing in snow", "dogs run through the snow",
                 "a pair of dogs in the snow outside"},
                {"a red double decker bus", "a bus driving down a city street",
                 "red bus parked on the street"}}));
  const std::vector<double> s = cider.Scores();
  EXPECT_NEAR(s[0], 1.9765454329189347, 1e-12);
  EXPECT_NEAR(s[1], 2.264912558925278, 1e-12);
  EXPECT_NEAR(s[2], 2.482075880153213, 1e-12);
  EXPECT_NEAR(cider.Mean(), 2.241177957332475, 1e-12);
}

TEST(CiderTest, ResamplesRecomputeDocumentFrequencies) {
  const CiderD cider(Examples({"a b", "c d"}, {{"a b"}, {"c d"}}));
  // {0, 0}: N = 2 but "a", "b", "a b" now have df 2: all weights 0, score 0.
  EXPECT_DOUBLE_EQ(cider.Mean({0, 0}), 0.0);
  EXPECT_NEAR(cider.Mean({0, 1}), 5.0, 1e-12);
  EXPECT_DOUBLE_EQ(cider.Mean(std::vector<size_t>{}), 0.0);
}

TEST(CiderTest, EmptyCandidateScoresZero) {
  const CiderD cider(Examples({"", "c d"}, {{"a b"}, {"c d"}}));
  EXPECT_DOUBLE_EQ(cider.Scores()[0], 0.0);
}

}  // namespace
}  // namespace vlmlab::metrics
