#include "platform/eval/few_shot.h"

#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::eval {
namespace {

uint64_t Fnv1a64(absl::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

absl::StatusOr<std::vector<size_t>> PickDemonstrations(const std::vector<std::string>& pool_keys,
                                                       const std::vector<bool>& eligible,
                                                       absl::string_view query_key, int shots,
                                                       uint64_t seed) {
  std::vector<size_t> candidates;
  for (size_t i = 0; i < pool_keys.size(); ++i) {
    if ((eligible.empty() || eligible[i]) && pool_keys[i] != query_key) candidates.push_back(i);
  }
  if (shots < 0 || static_cast<size_t>(shots) > candidates.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        shots, " demonstrations wanted for example ", query_key, " but the pool has only ",
        candidates.size(), " usable ones other than it; lower shots or give shots_data more "
                           "samples with answers (shots_pool)"));
  }
  // Partial Fisher-Yates over the candidates with a stream keyed by (seed, query key).
  const uint64_t stream = Mix64(seed) ^ Fnv1a64(query_key);
  std::vector<size_t> out;
  for (int k = 0; k < shots; ++k) {
    const size_t left = candidates.size() - k;
    const size_t j = k + static_cast<size_t>(CounterBits(stream, k) % left);
    std::swap(candidates[k], candidates[j]);
    out.push_back(candidates[k]);
  }
  return out;
}

absl::StatusOr<FewShotSet> WithDemonstrations(const std::vector<Sample>& queries,
                                              const std::vector<Sample>& pool, int shots,
                                              uint64_t seed,
                                              const DemonstrationFormatter& format) {
  FewShotSet set;
  set.samples = queries;
  set.contexts.resize(queries.size());
  set.shot_keys.resize(queries.size());
  if (shots <= 0) return set;
  std::vector<std::string> keys;
  std::vector<std::optional<Demonstration>> demos;
  std::vector<bool> eligible;
  for (const Sample& s : pool) {
    keys.push_back(s.key);
    demos.push_back(format(s));
    eligible.push_back(demos.back().has_value());
  }
  for (size_t q = 0; q < queries.size(); ++q) {
    VLMLAB_ASSIGN_OR_RETURN(std::vector<size_t> picked,
                            PickDemonstrations(keys, eligible, queries[q].key, shots, seed));
    Sample& s = set.samples[q];
    std::vector<Image> images;
    for (size_t i : picked) {
      const Demonstration& d = *demos[i];
      set.contexts[q].push_back({Turn::kUser, d.prompt});
      set.contexts[q].push_back({Turn::kAssistant, d.answer});
      set.shot_keys[q].push_back(pool[i].key);
      images.insert(images.end(), pool[i].images.begin(), pool[i].images.end());
    }
    images.insert(images.end(), s.images.begin(), s.images.end());
    s.images = std::move(images);
  }
  return set;
}

}  // namespace vlmlab::eval
