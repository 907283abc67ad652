// Corpus BLEU-1..4 exactly as coco-caption's BleuScorer with option "closest": per image, the
// candidate's n-gram counts are clipped by the maximum count in any one reference; the
// reference length is the one closest to the candidate's (ties: the shorter); clipped matches,
// candidate n-gram totals and lengths are summed over the corpus; BLEU-n is the geometric mean
// of the n precisions (with the scorer's 1e-15 / 1e-9 smoothing of numerator / denominator),
// times exp(1 - ref/cand) when the corpus candidate length is below the reference length.
//
//   std::vector<BleuStats> stats;
//   for (const CaptionExample& ex : examples) stats.push_back(ComputeBleuStats(ex));
//   std::array<double, 4> bleu = CorpusBleu(stats);           // bleu[3] is BLEU-4
//   std::array<double, 4> resampled = CorpusBleu(stats, indices);
#ifndef VLMLAB_PLATFORM_METRICS_BLEU_H_
#define VLMLAB_PLATFORM_METRICS_BLEU_H_

#include <array>
#include <vector>

#include "platform/metrics/caption_example.h"

namespace vlmlab::metrics {

// What one image contributes to corpus BLEU.
struct BleuStats {
  double test_len = 0;              // candidate tokens
  double ref_len = 0;               // the closest reference length
  std::array<double, 4> guess{};    // candidate n-grams, n = 1..4
  std::array<double, 4> correct{};  // clipped matching n-grams
};

BleuStats ComputeBleuStats(const CaptionExample& example);

// BLEU-1..4 of the whole corpus, or of the corpus made of stats[indices] (repeats count again).
std::array<double, 4> CorpusBleu(const std::vector<BleuStats>& stats);
std::array<double, 4> CorpusBleu(const std::vector<BleuStats>& stats,
                                 const std::vector<size_t>& indices);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_BLEU_H_
