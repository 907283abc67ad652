// One piece of text on its way through a Hugging Face tokenizer pipeline (the library's
// PreTokenizedString split): its current text, the added token it already is (if any), and
// what the Metaspace pre-tokenizer's "first" scheme needs to know about where it began.
//
//   std::vector<hf::Piece> pieces = {hf::Piece::Whole("a red circle")};
//   hf::SplitPieces(pieces, [](const hf::Piece& p) { return ranges...; });
#ifndef VLMLAB_PLUGINS_TOKENIZERS_PIECE_H_
#define VLMLAB_PLUGINS_TOKENIZERS_PIECE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vlmlab::hf {

struct Piece {
  std::string text;
  int32_t added_id = -1;  // an added token's id: later steps leave the piece alone
  // Whether the piece starts at byte 0 of the text given to Encode (the library's
  // offsets_original().0 == 0).
  bool at_start = false;
  // Whether normalization dropped the piece's first original characters (Strip, StripAccents,
  // Replace with ""): a piece cut from its front then no longer starts at byte 0.
  bool front_dropped = false;

  static Piece Whole(std::string text) { return Piece{std::move(text), -1, true, false}; }
};

// Bytes [start, end) of `p` as a piece of its own (the library's NormalizedString::slice): it
// starts the text only when it starts `p`, `p` does, and normalization dropped nothing there.
Piece SliceOf(const Piece& p, size_t start, size_t end);

// A stretch [start, end) of a piece to keep, as text or (added_id >= 0) as that added token.
struct PieceRange {
  size_t start = 0;
  size_t end = 0;
  int32_t added_id = -1;
};

// Replaces every piece that is not an added token by the ranges `cut` returns for it, in
// order (empty ones dropped); added-token pieces pass through untouched.
void CutPieces(std::vector<Piece>& pieces,
               const std::function<std::vector<PieceRange>(const Piece&)>& cut);

// Cuts every piece that is not an added token into the [start, end) byte ranges `ranges`
// returns for it, in order; empty results are dropped, as the library drops empty splits.
void SplitPieces(std::vector<Piece>& pieces,
                 const std::function<std::vector<std::pair<size_t, size_t>>(const Piece&)>& ranges);

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_PIECE_H_
