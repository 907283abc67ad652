#include "plugins/tokenizers/piece.h"

namespace vlmlab::hf {

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
      if (end <= start) continue;
      Piece sub;
      sub.text = p.text.substr(start, end - start);
      sub.at_start = start == 0 && p.at_start && !p.front_dropped;
      out.push_back(std::move(sub));
    }
  }
  pieces = std::move(out);
}

}  // namespace vlmlab::hf
