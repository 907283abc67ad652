// The post-processor of a tokenizer.json: the special tokens Hugging Face's tokenizers library
// adds around one encoded text when asked to (encode(..., add_special_tokens=True)).
// TemplateProcessing (its `single` template; `pair` is read and checked but vlmlab encodes
// single texts), BertProcessing and RobertaProcessing ([cls] text [sep]), ByteLevel (offsets
// only, so no change to ids) and Sequence.
//
//   absl::StatusOr<std::unique_ptr<hf::PostProcessor>> pp =
//       hf::ReadPostProcessor({root["post_processor"], "post_processor"});
//   std::vector<int32_t> ids = (*pp)->Process({15, 16});   // e.g. {1, 15, 16}
#ifndef VLMLAB_PLUGINS_TOKENIZERS_POST_PROCESSORS_H_
#define VLMLAB_PLUGINS_TOKENIZERS_POST_PROCESSORS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/tokenizers/hf_json.h"

namespace vlmlab::hf {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual std::vector<int32_t> Process(std::vector<int32_t> ids) const = 0;
  // Whether Process adds any token (false for ByteLevel alone).
  virtual bool AddsTokens() const = 0;
};

// nullptr when the section is null.
absl::StatusOr<std::unique_ptr<PostProcessor>> ReadPostProcessor(const JsonAt& at);

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_POST_PROCESSORS_H_
