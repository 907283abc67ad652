// The per-sample annotations JSON (docs/data.md, "WebDataset sample JSON") to a Sample, shared
// by the WebDataset reader (KEY.json members) and the image-folder JSONL reader (one record
// per line). Images are not decoded here: their references come back in `image_refs`.
//
//   Sample s;
//   std::vector<std::string> refs;
//   VLMLAB_RETURN_IF_ERROR(ParseSampleJson(json_text, {}, &s, &refs));
//   // refs == {"png"}: the member KEY.png holds image 0
//
// Errors name the field at fault ("turns[1].role: expected \"user\" or \"assistant\"");
// callers prefix the shard/file and key. Hostile input (invalid UTF-8 is allowed through as
// bytes; deep nesting, wrong types) is an error, never a crash.
#ifndef VLMLAB_PLATFORM_DATA_SAMPLE_JSON_H_
#define VLMLAB_PLATFORM_DATA_SAMPLE_JSON_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "platform/data/sample.h"

namespace vlmlab::data {

struct SampleJsonOptions {
  // Accept the shorthands of hand-written JSONL records when `turns` is absent:
  //   "image": "a.png"                    -> images ["a.png"]
  //   "caption": "..."                    -> user "<image>", assistant caption
  //   "question": "...", "answer": "..."  -> user "<image>question", assistant answer
  //   ("answers": [...] instead of "answer": the most common one is the assistant turn)
  // and a missing "key" (the caller then sets one).
  bool shorthands = false;
};

absl::Status ParseSampleJson(absl::string_view json, const SampleJsonOptions& options,
                             Sample* sample, std::vector<std::string>* image_refs);

// Occurrences of kImagePlaceholder in the turns' text.
int64_t CountImagePlaceholders(const std::vector<Turn>& turns);

// The most frequent answer; ties go to the one that occurs first. "" for an empty list.
std::string MostCommonAnswer(const std::vector<std::string>& answers);


}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_SAMPLE_JSON_H_
