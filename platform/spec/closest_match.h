// "Did you mean ...?" for misspelt names: the candidate with the smallest edit distance.
//
//   ClosestMatch("patch_sise", {"patch_size", "width"})  // "patch_size"
//   DidYouMean("vitt", {"conv", "multi", "vit"})          // " (did you mean 'vit'?)"
#ifndef VLMLAB_PLATFORM_SPEC_CLOSEST_MATCH_H_
#define VLMLAB_PLATFORM_SPEC_CLOSEST_MATCH_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab {

// Levenshtein distance, case-insensitive.
int EditDistance(absl::string_view a, absl::string_view b);

// The closest candidate within a distance of max(2, |name| / 3), or "" if none is that close.
std::string ClosestMatch(absl::string_view name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string DidYouMean(absl::string_view name, const std::vector<std::string>& candidates);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_CLOSEST_MATCH_H_
