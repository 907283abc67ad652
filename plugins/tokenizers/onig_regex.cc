#include "plugins/tokenizers/onig_regex.h"

#include <oniguruma.h>

#include "absl/base/call_once.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

void InitializeOnce() {
  static absl::once_flag once;
  absl::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<OnigRegex>> OnigRegex::Compile(absl::string_view pattern) {
  InitializeOnce();
  std::unique_ptr<OnigRegex> re(new OnigRegex());
  re->pattern_ = std::string(pattern);
  regex_t* compiled = nullptr;
  OnigErrorInfo info;
  const auto* p = reinterpret_cast<const OnigUChar*>(re->pattern_.data());
  const int r = onig_new(&compiled, p, p + re->pattern_.size(), ONIG_OPTION_NONE,
                         ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
  if (r != ONIG_NORMAL) {
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, r, &info);
    return absl::InvalidArgumentError(absl::StrCat(
        "regex \"", pattern, "\" does not compile: ", reinterpret_cast<const char*>(message)));
  }
  re->regex_ = compiled;
  return re;
}

std::string OnigRegex::Escape(absl::string_view literal) {
  // The characters Rust's regex::escape escapes; the library hands its result to Oniguruma.
  constexpr absl::string_view kMeta = "\\.+*?()|[]{}^$#&-~";
  std::string out;
  for (char c : literal) {
    if (kMeta.find(c) != absl::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

OnigRegex::~OnigRegex() {
  if (regex_ != nullptr) onig_free(static_cast<regex_t*>(regex_));
}

std::vector<std::pair<size_t, size_t>> OnigRegex::FindAll(absl::string_view text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  auto* regex = static_cast<regex_t*>(regex_);
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const OnigUChar* end = begin + text.size();
  OnigRegion* region = onig_region_new();
  size_t last_end = 0;
  bool have_last_match = false;
  size_t last_match_end = 0;
  while (last_end <= text.size()) {
    onig_region_clear(region);
    const int r =
        onig_search(regex, begin, end, begin + last_end, end, region, ONIG_OPTION_NONE);
    if (r < 0) break;  // ONIG_MISMATCH (or an error, which the crate also treats as the end)
    const auto start = static_cast<size_t>(region->beg[0]);
    const auto stop = static_cast<size_t>(region->end[0]);
    if (start == stop && have_last_match && last_match_end == stop) {
      last_end += last_end < text.size() ? CodePointLength(text, last_end) : 1;
      continue;
    }
    last_end = stop;
    have_last_match = true;
    last_match_end = stop;
    matches.emplace_back(start, stop);
  }
  onig_region_free(region, 1);
  return matches;
}

}  // namespace vlmlab::hf
