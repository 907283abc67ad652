// N-gram counting for the caption metrics: n-grams of orders 1..max_n as text keys (tokens
// joined by single spaces; tokens never contain spaces).
//
//   NgramCounts c = CountNgrams({"a", "b", "a"}, 2);  // {"a":2, "b":1, "a b":1, "b a":1}
#ifndef VLMLAB_PLATFORM_METRICS_NGRAM_H_
#define VLMLAB_PLATFORM_METRICS_NGRAM_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace vlmlab::metrics {

using NgramCounts = absl::flat_hash_map<std::string, int>;

NgramCounts CountNgrams(const std::vector<std::string>& tokens, int max_n);

// The order (number of tokens) of an n-gram key.
int NgramOrder(const std::string& key);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_NGRAM_H_
