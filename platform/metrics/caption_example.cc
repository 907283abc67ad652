#include "platform/metrics/caption_example.h"

#include "platform/metrics/caption_tokenizer.h"

namespace vlmlab::metrics {

CaptionExample MakeCaptionExample(absl::string_view image_id, absl::string_view candidate,
                                  const std::vector<std::string>& references) {
  CaptionExample ex;
  ex.image_id = std::string(image_id);
  ex.candidate = TokenizeCaption(candidate);
  for (const std::string& r : references) ex.references.push_back(TokenizeCaption(r));
  return ex;
}

}  // namespace vlmlab::metrics
