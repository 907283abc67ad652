// Chat template: a conversation (Sample::turns) to token ids and training labels, with every
// "<image>" expanded into the fusion's ImageLayout.
//
//   ChatTemplateOptions o;
//   o.layout = {.placeholders = 64, .delimiters = true};
//   o.max_length = 512;
//   std::vector<ImageGrid> grids(1);           // one image, not split
//   VLMLAB_ASSIGN_OR_RETURN(TokenizedSample t, ApplyChatTemplate(sample.turns, grids, tok, o));
//
// Sequence: [BOS] then per turn its marker (SpecialToken::kUser / kAssistant; the text
// "User: " / "Assistant: " when the tokenizer has no such token) and its text, where each
// "<image>" becomes, per image tensor it stands for, [image_start] image x placeholders
// [image_end]; an assistant turn ends with EOS. Text between images is encoded piece by piece;
// a BOS/EOS the tokenizer adds to a piece is dropped.
//
// A split image (ImageGrid rows x cols > 1, platform/data/image_preprocess.h) is laid out as in
// Idefics3: each tile, row by row, preceded by the text "<row_R_col_C>" (1-based), a "\n"
// after each row of tiles, then "\n<global-img>" and the global view. The marker text goes
// through the tokenizer (a tokenizer.json may hold the markers as added tokens) and is never a
// training target.
//
// Labels are aligned with the inputs (already shifted): labels[t] is the token position t must
// predict, i.e. input_ids[t + 1] when that token is a target, else -1. Targets:
// assistant_only: the assistant turns' text and their EOS; otherwise every token except image
// tokens (placeholders, delimiters) and BOS. Text-only conversations need no images.
//
// Truncation (max_length > 0): the sequence is cut at max_length tokens, never inside an
// image's tokens: when an image would not fit whole the sample cannot be used and the result
// is a kResourceExhausted error (the loader drops it with a counted warning). The label of the
// last kept position still names the first cut token.
#ifndef VLMLAB_PLATFORM_DATA_CHAT_TEMPLATE_H_
#define VLMLAB_PLATFORM_DATA_CHAT_TEMPLATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "platform/data/sample.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/tokenizer.h"

namespace vlmlab::data {

inline constexpr int32_t kIgnoreLabel = -1;

struct ChatTemplateOptions {
  ImageLayout layout;
  bool add_bos = true;
  bool add_eos = true;         // after each assistant turn
  bool assistant_only = true;  // loss only on assistant tokens
  int64_t max_length = 0;      // 0 = no limit
};

struct TokenizedSample {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> labels;  // same length; kIgnoreLabel where no target
  int64_t image_tensors = 0;    // image tensors the sequence refers to (sum of crops)
  bool truncated = false;
};

// How one image was preprocessed: a rows x cols grid of tiles plus a global view, or (1 x 1)
// the whole image as one tensor.
struct ImageGrid {
  int64_t rows = 1;
  int64_t cols = 1;
  bool split() const { return rows * cols > 1; }
  int64_t tensors() const { return split() ? rows * cols + 1 : 1; }  // tiles, then global view
};

// The tile marker "<row_R_col_C>" (1-based) and the global view's marker.
std::string TileMarker(int64_t row, int64_t col);
inline constexpr char kGlobalViewMarker[] = "<global-img>";

// `grids[i]`: how image i was preprocessed; its length must equal the "<image>" count of the
// turns.
absl::StatusOr<TokenizedSample> ApplyChatTemplate(absl::Span<const Turn> turns,
                                                  absl::Span<const ImageGrid> grids,
                                                  const Tokenizer& tokenizer,
                                                  const ChatTemplateOptions& options);

// The pad id to use with `tokenizer` (its kPad, or 0 when it has none).
int32_t PadId(const Tokenizer& tokenizer);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_CHAT_TEMPLATE_H_
