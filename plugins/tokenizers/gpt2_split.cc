#include "plugins/tokenizers/gpt2_split.h"

#include "glog/logging.h"
#include "plugins/tokenizers/pre_tokenizers.h"
#include "plugins/tokenizers/split_pattern.h"

namespace vlmlab::bpe {

std::vector<absl::string_view> SplitGpt2(absl::string_view text) {
  static const hf::SplitPattern* pattern = [] {
    absl::StatusOr<hf::SplitPattern> p = hf::SplitPattern::Regex(hf::kGpt2SplitPattern);
    CHECK(p.ok()) << p.status();  // a constant pattern
    return new hf::SplitPattern(std::move(*p));
  }();
  std::vector<absl::string_view> out;
  if (text.empty()) return out;
  for (const hf::Segment& s : pattern->FindMatches(text)) {
    out.push_back(text.substr(s.start, s.end - s.start));
  }
  return out;
}

}  // namespace vlmlab::bpe
