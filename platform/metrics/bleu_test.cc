// Corpus BLEU as coco-caption computes it: hand-worked values and values from an independent
// restatement of bleu_scorer.py (closest reference length, 1e-15 / 1e-9 smoothing).
#include "platform/metrics/bleu.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

std::vector<BleuStats> Stats(const std::vector<std::string>& cands,
                             const std::vector<std::vector<std::string>>& refs) {
  std::vector<BleuStats> out;
  for (size_t i = 0; i < cands.size(); ++i) {
    out.push_back(ComputeBleuStats(MakeCaptionExample(std::to_string(i), cands[i], refs[i])));
  }
  return out;
}

TEST(BleuTest, IdenticalCandidateScoresOne) {
  const auto bleu = CorpusBleu(Stats({"a man riding a horse on the beach"},
                                     {{"a man riding a horse on the beach", "a horse"}}));
  for (double b : bleu) EXPECT_NEAR(b, 1.0, 1e-8);
}

TEST(BleuTest, HandWorkedExampleWithBrevityPenalty) {
  // cand a b c d (4), ref a b c e f (5): p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0/1;
  // brevity exp(1 - 5/4) = exp(-0.25).
  const auto stats = Stats({"a b c d"}, {{"a b c e f"}});
  EXPECT_EQ(stats[0].ref_len, 5);
  EXPECT_EQ(stats[0].correct[0], 3);
  EXPECT_EQ(stats[0].guess[3], 1);
  const auto bleu = CorpusBleu(stats);
  const double bp = std::exp(-0.25);
  EXPECT_NEAR(bleu[0], 0.75 * bp, 1e-9);
  EXPECT_NEAR(bleu[1], std::sqrt(0.75 * 2.0 / 3.0) * bp, 1e-9);
  EXPECT_NEAR(bleu[2], std::cbrt(0.25) * bp, 1e-9);
  // No 4-gram matches: the smoothing leaves (0.25 * 1e-15)^(1/4) * bp, not 0.
  EXPECT_NEAR(bleu[3], 9.792901389423636e-05, 1e-12);
}

TEST(BleuTest, CountsAreClippedByTheMaximumInOneReference) {
  const auto stats = Stats({"the the the"}, {{"the cat", "the the dog"}});
  EXPECT_EQ(stats[0].correct[0], 2);  // max count of "the" in one reference is 2
  EXPECT_EQ(stats[0].guess[0], 3);
}

TEST(BleuTest, ClosestReferenceLengthPrefersTheShorterOnATie) {
  const auto stats = Stats({"a b c d"}, {
                                            {"a b c", "a b c d e"},
                                        });
  EXPECT_EQ(stats[0].ref_len, 3);
  const auto bleu = CorpusBleu(stats);
  EXPECT_NEAR(bleu[0], 1.0, 1e-8);  // longer than the reference: no penalty, p1 = 4/4
}

TEST(BleuTest, CorpusOfThreeMatchesTheReferenceComputation) {
  const auto stats =
      Stats({"a man riding a horse", "two dogs play in the snow", "a red bus on the street"},
            {{"a man rides a horse on a beach", "a person riding a brown horse", "man on horse"},
             {"two dogs playing in snow", "dogs run through the snow",
              "a pair of dogs in the snow outside"},
             {"a red double decker bus", "a bus driving down a city street",
              "red bus parked on the street"}});
  const auto bleu = CorpusBleu(stats);
  EXPECT_NEAR(bleu[0], 0.9411764704775086, 1e-12);
  EXPECT_NEAR(bleu[1], 0.819920061589159, 1e-12);
  EXPECT_NEAR(bleu[2], 0.4962800058145314, 1e-12);
  EXPECT_NEAR(bleu[3], 6.252052082183994e-05, 1e-15);
  // A resample is a corpus of its own: {0, 0} is image 0 twice, the same ratios as {0} where
  // there are matches (image 0 has no 3-gram match, and the smoothing constant is not scaled).
  const auto twice = CorpusBleu(stats, {0, 0});
  const auto once = CorpusBleu(stats, {0});
  EXPECT_NEAR(twice[0], once[0], 1e-9);
  EXPECT_NEAR(twice[1], once[1], 1e-9);
  EXPECT_NE(twice[0], bleu[0]);
}

TEST(BleuTest, EmptyCandidateScoresZero) {
  const auto bleu = CorpusBleu(Stats({""}, {{"a cat"}}));
  for (double b : bleu) EXPECT_LT(b, 1e-6);
}

}  // namespace
}  // namespace vlmlab::metrics
