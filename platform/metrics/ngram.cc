#include "platform/metrics/ngram.h"

#include <algorithm>

namespace vlmlab::metrics {

NgramCounts CountNgrams(const std::vector<std::string>& tokens, int max_n) {
  NgramCounts counts;
  for (int n = 1; n <= max_n; ++n) {
    for (size_t i = 0; i + n <= tokens.size(); ++i) {
      std::string key = tokens[i];
      for (int k = 1; k < n; ++k) {
        key.push_back(' ');
        key += tokens[i + k];
      }
      ++counts[key];
    }
  }
  return counts;
}

int NgramOrder(const std::string& key) {
  return 1 + static_cast<int>(std::count(key.begin(), key.end(), ' '));
}

}  // namespace vlmlab::metrics
