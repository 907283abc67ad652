// One image's tokenised candidate caption and reference captions, the input of BLEU and CIDEr-D.
//
//   CaptionExample ex = MakeCaptionExample("391895", "A man on a bike.", {"a man riding", ...});
#ifndef VLMLAB_PLATFORM_METRICS_CAPTION_EXAMPLE_H_
#define VLMLAB_PLATFORM_METRICS_CAPTION_EXAMPLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

struct CaptionExample {
  std::string image_id;
  std::vector<std::string> candidate;                // tokens
  std::vector<std::vector<std::string>> references;  // tokens of each reference
};

// Tokenises (caption_tokenizer.h) a candidate and its references.
CaptionExample MakeCaptionExample(absl::string_view image_id, absl::string_view candidate,
                                  const std::vector<std::string>& references);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_CAPTION_EXAMPLE_H_
