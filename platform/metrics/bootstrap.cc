#include <atomic>
#include "platform/metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"

namespace vlmlab::metrics {
namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0, without modulo bias.
  uint64_t Below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (true) {
      const uint64_t x = Next();
      if (x >= threshold) return x % n;
    }
  }

 private:
  uint64_t state_;
};

absl::Status CheckOptions(size_t n, const BootstrapOptions& options) {
  if (n == 0) return absl::InvalidArgumentError("bootstrap: there are no examples to resample");
  if (options.resamples < 1) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap: resamples is ", options.resamples,
                                                   "; use at least 1 (1000 is usual)"));
  }
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap: confidence is ", options.confidence,
                                                   "; use a level in (0, 1), e.g. 0.95"));
  }
  return absl::OkStatus();
}

Interval PercentileInterval(double estimate, std::vector<double> values, double confidence) {
  std::sort(values.begin(), values.end());
  const double tail = (1 - confidence) / 2;
  return Interval{estimate, SortedQuantile(values, tail), SortedQuantile(values, 1 - tail)};
}

std::vector<size_t> AllIndices(size_t n) {
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  return all;
}

// SplitMix64's output function: a bijective 64-bit mix.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Resample r of a seed: its own generator, so resamples can be drawn in any order or thread.
void DrawResample(uint64_t seed, int r, std::vector<size_t>* indices) {
  SplitMix64 rng(Mix64(seed ^ Mix64(static_cast<uint64_t>(r) + 1)));
  for (size_t& i : *indices) i = static_cast<size_t>(rng.Below(indices->size()));
}

// Calls fn(r, indices) for every resample r, spread over up to 8 threads; fn must be safe to
// call concurrently. Results stored by r are the same whatever the thread count.
void ForEachResample(size_t n, const BootstrapOptions& options,
                     const std::function<void(int, const std::vector<size_t>&)>& fn) {
  const int resamples = options.resamples;
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  // Small jobs are not worth a thread.
  const int threads =
      static_cast<double>(n) * resamples < 2e5
          ? 1
          : static_cast<int>(std::min<unsigned>({hardware, 8u, static_cast<unsigned>(resamples)}));
  std::atomic<int> done{0};
  auto work = [&](int first) {
    std::vector<size_t> indices(n);
    for (int r = first; r < resamples; r += threads) {
      DrawResample(options.seed, r, &indices);
      fn(r, indices);
      const int finished = ++done;
      if (options.on_progress) options.on_progress(finished, resamples);
    }
  };
  if (threads == 1) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (std::thread& t : pool) t.join();
}

}  // namespace

double SortedQuantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

std::vector<std::vector<size_t>> ResampleIndices(size_t n, const BootstrapOptions& options) {
  std::vector<std::vector<size_t>> out(std::max(0, options.resamples));
  for (size_t r = 0; r < out.size(); ++r) {
    out[r].resize(n);
    if (n > 0) DrawResample(options.seed, static_cast<int>(r), &out[r]);
  }
  return out;
}

absl::StatusOr<std::vector<Interval>> BootstrapStatistics(size_t n,
                                                          const MultiStatistic& statistics,
                                                          const BootstrapOptions& options) {
  VLMLAB_RETURN_IF_ERROR(CheckOptions(n, options));
  const std::vector<double> estimates = statistics(AllIndices(n));
  std::vector<std::vector<double>> per_resample(options.resamples);
  ForEachResample(n, options, [&](int r, const std::vector<size_t>& indices) {
    per_resample[r] = statistics(indices);
  });
  std::vector<Interval> out;
  for (size_t k = 0; k < estimates.size(); ++k) {
    std::vector<double> samples;
    samples.reserve(per_resample.size());
    for (const std::vector<double>& values : per_resample) {
      if (k < values.size()) samples.push_back(values[k]);
    }
    out.push_back(PercentileInterval(estimates[k], std::move(samples), options.confidence));
  }
  return out;
}

absl::StatusOr<Interval> BootstrapStatistic(size_t n, const Statistic& statistic,
                                            const BootstrapOptions& options) {
  VLMLAB_ASSIGN_OR_RETURN(
      std::vector<Interval> intervals,
      BootstrapStatistics(
          n, [&](const std::vector<size_t>& idx) { return std::vector<double>{statistic(idx)}; },
          options));
  return intervals[0];
}

absl::StatusOr<Interval> BootstrapMean(const std::vector<double>& scores,
                                       const BootstrapOptions& options) {
  return BootstrapStatistic(
      scores.size(),
      [&](const std::vector<size_t>& idx) {
        double sum = 0;
        for (size_t i : idx) sum += scores[i];
        return sum / static_cast<double>(idx.size());
      },
      options);
}

absl::StatusOr<PairedComparison> PairedBootstrap(size_t n, const Statistic& a, const Statistic& b,
                                                 const BootstrapOptions& options) {
  VLMLAB_RETURN_IF_ERROR(CheckOptions(n, options));
  const std::vector<size_t> all = AllIndices(n);
  const double estimate = a(all) - b(all);
  std::vector<double> differences(options.resamples);
  ForEachResample(n, options, [&](int r, const std::vector<size_t>& indices) {
    differences[r] = a(indices) - b(indices);
  });
  size_t not_positive = 0, not_negative = 0;
  for (double d : differences) {
    if (d <= 0) ++not_positive;
    if (d >= 0) ++not_negative;
  }
  PairedComparison out;
  const double resamples = static_cast<double>(options.resamples);
  out.fraction_a_not_better = static_cast<double>(not_positive) / resamples;
  out.p_value =
      std::min(1.0, 2 * static_cast<double>(std::min(not_positive, not_negative)) / resamples);
  out.difference = PercentileInterval(estimate, std::move(differences), options.confidence);
  return out;
}

absl::StatusOr<PairedComparison> PairedBootstrapMeans(const std::vector<double>& a,
                                                      const std::vector<double>& b,
                                                      const BootstrapOptions& options) {
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("paired bootstrap: the two systems have ", a.size(), " and ", b.size(),
                     " per-example scores; they must be scored on the same examples"));
  }
  auto mean_of = [](const std::vector<double>& scores) {
    return [&scores](const std::vector<size_t>& idx) {
      double sum = 0;
      for (size_t i : idx) sum += scores[i];
      return sum / static_cast<double>(idx.size());
    };
  };
  return PairedBootstrap(a.size(), mean_of(a), mean_of(b), options);
}

}  // namespace vlmlab::metrics
