// Text-format parsing with errors a user can act on: `source:line:column: what`, plus a
// "did you mean" for misspelt field names and a hint for unknown external option types.
//
//   google::protobuf::TextFormat::ParseInfoTree locations;
//   absl::Status s = ParseTextProto(text, "experiments/a.textproto", &experiment, &locations);
//   // experiments/a.textproto:7:12: VitOptions has no field named "patch_sise"
//   //   (did you mean 'patch_size'?)
#ifndef VLMLAB_PLATFORM_SPEC_TEXT_PARSE_H_
#define VLMLAB_PLATFORM_SPEC_TEXT_PARSE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace vlmlab {

absl::Status ParseTextProto(absl::string_view text, absl::string_view source_name,
                            google::protobuf::Message* message,
                            google::protobuf::TextFormat::ParseInfoTree* locations = nullptr);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_TEXT_PARSE_H_
