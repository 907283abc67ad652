#include "plugins/tokenizers/bpe_merge.h"

#include <cstddef>

namespace vlmlab::bpe {

void MergePair(int32_t left, int32_t right, int32_t merged, std::vector<int32_t>& symbols,
               std::vector<int32_t>& scratch) {
  scratch.clear();
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
      scratch.push_back(merged);
      ++i;
    } else {
      scratch.push_back(symbols[i]);
    }
  }
  symbols.swap(scratch);
}

}  // namespace vlmlab::bpe
