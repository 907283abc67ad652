#include "platform/metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "platform/metrics/ngram.h"

namespace vlmlab::metrics {

BleuStats ComputeBleuStats(const CaptionExample& example) {
  BleuStats stats;
  const double test_len = static_cast<double>(example.candidate.size());
  stats.test_len = test_len;
  NgramCounts max_ref_counts;
  bool first = true;
  for (const std::vector<std::string>& ref : example.references) {
    const double len = static_cast<double>(ref.size());
    // min over (|len - test_len|, len): the closest length, the shorter on a tie.
    if (first || std::abs(len - test_len) < std::abs(stats.ref_len - test_len) ||
        (std::abs(len - test_len) == std::abs(stats.ref_len - test_len) && len < stats.ref_len)) {
      stats.ref_len = len;
    }
    first = false;
    for (const auto& [ngram, count] : CountNgrams(ref, 4)) {
      int& max_count = max_ref_counts[ngram];
      max_count = std::max(max_count, count);
    }
  }
  for (int k = 0; k < 4; ++k) stats.guess[k] = std::max(0.0, test_len - k);
  for (const auto& [ngram, count] : CountNgrams(example.candidate, 4)) {
    auto it = max_ref_counts.find(ngram);
    if (it != max_ref_counts.end())
      stats.correct[NgramOrder(ngram) - 1] += std::min(it->second, count);
  }
  return stats;
}

std::array<double, 4> CorpusBleu(const std::vector<BleuStats>& stats,
                                 const std::vector<size_t>& indices) {
  constexpr double kSmall = 1e-9, kTiny = 1e-15;  // the scorer's smoothing constants
  double test_len = 0, ref_len = 0;
  std::array<double, 4> guess{}, correct{};
  for (size_t i : indices) {
    const BleuStats& s = stats[i];
    test_len += s.test_len;
    ref_len += s.ref_len;
    for (int k = 0; k < 4; ++k) {
      guess[k] += s.guess[k];
      correct[k] += s.correct[k];
    }
  }
  std::array<double, 4> bleu{};
  const double ratio = (test_len + kTiny) / (ref_len + kSmall);
  for (int n = 1; n <= 4; ++n) {
    double product = 1;
    for (int k = 0; k < n; ++k) product *= (correct[k] + kTiny) / (guess[k] + kSmall);
    bleu[n - 1] = std::pow(product, 1.0 / n);
    if (ratio < 1) bleu[n - 1] *= std::exp(1 - 1 / ratio);
  }
  return bleu;
}

std::array<double, 4> CorpusBleu(const std::vector<BleuStats>& stats) {
  std::vector<size_t> all(stats.size());
  std::iota(all.begin(), all.end(), 0);
  return CorpusBleu(stats, all);
}

}  // namespace vlmlab::metrics
