#include "platform/data/chat_template.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace vlmlab::data {

int32_t PadId(const Tokenizer& tokenizer) {
  const int32_t pad = tokenizer.SpecialId(SpecialToken::kPad);
  return pad >= 0 ? pad : 0;
}

std::string TileMarker(int64_t row, int64_t col) {
  return absl::StrCat("<row_", row, "_col_", col, ">");
}

absl::StatusOr<TokenizedSample> ApplyChatTemplate(absl::Span<const Turn> turns,
                                                  absl::Span<const ImageGrid> grids,
                                                  const Tokenizer& tokenizer,
                                                  const ChatTemplateOptions& options) {
  const int32_t bos = tokenizer.SpecialId(SpecialToken::kBos);
  const int32_t eos = tokenizer.SpecialId(SpecialToken::kEos);
  const int32_t image = tokenizer.SpecialId(SpecialToken::kImage);
  const int32_t image_start = tokenizer.SpecialId(SpecialToken::kImageStart);
  const int32_t image_end = tokenizer.SpecialId(SpecialToken::kImageEnd);
  const int32_t user = tokenizer.SpecialId(SpecialToken::kUser);
  const int32_t assistant = tokenizer.SpecialId(SpecialToken::kAssistant);

  if (!grids.empty()) {
    if (image < 0) {
      return absl::FailedPreconditionError(
          "chat template: the tokenizer has no image token; set its image special token");
    }
    if (options.layout.placeholders < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("chat template: layout.placeholders is ", options.layout.placeholders,
                       "; images need at least one placeholder token"));
    }
    if (options.layout.delimiters && (image_start < 0 || image_end < 0)) {
      return absl::FailedPreconditionError(
          "chat template: the layout wants image delimiters but the tokenizer lacks the "
          "image_start/image_end special tokens");
    }
  }

  std::vector<int32_t> ids;
  std::vector<char> target;
  std::vector<std::pair<int64_t, int64_t>> image_spans;  // [begin, end) per image tensor
  auto push = [&](int32_t id, bool is_target) {
    ids.push_back(id);
    target.push_back(is_target);
  };
  auto push_text = [&](absl::string_view text, bool is_target) {
    if (text.empty()) return;
    for (int32_t id : tokenizer.Encode(text)) push(id, is_target);
  };

  if (options.add_bos && bos >= 0) push(bos, false);
  const absl::string_view placeholder = kImagePlaceholder;
  size_t next_image = 0;
  for (size_t t = 0; t < turns.size(); ++t) {
    const Turn& turn = turns[t];
    const bool is_assistant = turn.role == Turn::kAssistant;
    const bool text_target = options.assistant_only ? is_assistant : true;
    const bool marker_target = !options.assistant_only;
    const int32_t marker = is_assistant ? assistant : user;
    if (marker >= 0) {
      push(marker, marker_target);
    } else {
      push_text(is_assistant ? "Assistant: " : "User: ", marker_target);
    }
    absl::string_view rest = turn.text;
    while (true) {
      const size_t at = rest.find(placeholder);
      absl::string_view piece = rest.substr(0, at);
      if (!piece.empty()) push_text(piece, text_target);
      if (at == absl::string_view::npos) break;
      rest.remove_prefix(at + placeholder.size());
      if (next_image >= grids.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("chat template: turn ", t, " holds image placeholder number ",
                         next_image + 1, " but the sample has ", grids.size(), " images"));
      }
      const ImageGrid grid = grids[next_image++];
      if (grid.rows < 1 || grid.cols < 1) {
        return absl::InvalidArgumentError(absl::StrCat("chat template: image ", next_image - 1,
                                                       " has a ", grid.rows, " x ", grid.cols,
                                                       " tile grid; at least 1 x 1"));
      }
      // One image tensor: an optional marker, then [image_start] placeholders [image_end].
      auto push_view = [&](absl::string_view marker) {
        const int64_t begin = static_cast<int64_t>(ids.size());
        push_text(marker, false);
        if (options.layout.delimiters) push(image_start, false);
        for (int64_t p = 0; p < options.layout.placeholders; ++p) push(image, false);
        if (options.layout.delimiters) push(image_end, false);
        image_spans.emplace_back(begin, static_cast<int64_t>(ids.size()));
      };
      if (grid.split()) {
        for (int64_t r = 1; r <= grid.rows; ++r) {
          for (int64_t c = 1; c <= grid.cols; ++c) push_view(TileMarker(r, c));
          push_text("\n", false);
        }
        push_view(absl::StrCat("\n", kGlobalViewMarker));
      } else {
        push_view("");
      }
    }
    if (is_assistant && options.add_eos && eos >= 0) push(eos, text_target);
  }
  if (next_image != grids.size()) {
    return absl::InvalidArgumentError(absl::StrCat("chat template: the sample has ", grids.size(),
                                                   " images but its turns hold ", next_image,
                                                   " image placeholders; they must match"));
  }

  TokenizedSample out;
  out.image_tensors = static_cast<int64_t>(image_spans.size());
  const int64_t n = static_cast<int64_t>(ids.size());
  out.labels.assign(n, kIgnoreLabel);
  for (int64_t i = 0; i + 1 < n; ++i) {
    if (target[i + 1]) out.labels[i] = ids[i + 1];
  }
  out.input_ids = std::move(ids);
  if (options.max_length > 0 && n > options.max_length) {
    for (size_t i = 0; i < image_spans.size(); ++i) {
      if (image_spans[i].second > options.max_length) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "chat template: the sample needs ", n, " tokens and image tensor ", i,
            "'s tokens end at ", image_spans[i].second, ", past max_length ", options.max_length,
            " (an image is never cut); raise max_length or use fewer image tokens"));
      }
    }
    out.input_ids.resize(options.max_length);
    out.labels.resize(options.max_length);
    out.truncated = true;
  }
  return out;
}

}  // namespace vlmlab::data
