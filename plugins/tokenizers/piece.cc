#include "plugins/tokenizers/piece.h"

namespace vlmlab::hf {

Piece SliceOf(const Piece& p, size_t start, size_t end) {
  Piece sub;
  sub.text = p.text.substr(start, end - start);
  sub.at_start = start == 0 && p.at_start && !p.front_dropped;
  return sub;
}

void SplitPieces(std::vector<Piece>& pieces,
                 const std::function<std::vector<std::pair<size_t, size_t>>(const Piece&)>& ranges) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (Piece& p : pieces) {
    if (p.added_id >= 0) {
      out.push_back(std::move(p));
      continue;
    }
    for (auto [start, end] : ranges(p)) {
      if (end > start) out.push_back(SliceOf(p, start, end));
    }
  }
  pieces = std::move(out);
}

}  // namespace vlmlab::hf
