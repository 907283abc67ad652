#include "plugins/tokenizers/piece.h"

namespace vlmlab::hf {

Piece SliceOf(const Piece& p, size_t start, size_t end) {
  Piece sub;
  sub.text = p.text.substr(start, end - start);
  sub.at_start = start == 0 && p.at_start && !p.front_dropped;
  return sub;
}

void CutPieces(std::vector<Piece>& pieces,
               const std::function<std::vector<PieceRange>(const Piece&)>& cut) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (Piece& p : pieces) {
    if (p.added_id >= 0) {
      out.push_back(std::move(p));
      continue;
    }
    for (const PieceRange& r : cut(p)) {
      if (r.end <= r.start) continue;
      out.push_back(SliceOf(p, r.start, r.end));
      if (r.added_id >= 0) out.back().added_id = r.added_id;
    }
  }
  pieces = std::move(out);
}

void SplitPieces(std::vector<Piece>& pieces,
                 const std::function<std::vector<std::pair<size_t, size_t>>(const Piece&)>& ranges) {
  CutPieces(pieces, [&](const Piece& p) {
    std::vector<PieceRange> out;
    for (auto [start, end] : ranges(p)) out.push_back({start, end});
    return out;
  });
}

}  // namespace vlmlab::hf
