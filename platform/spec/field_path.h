// Field paths into spec messages: `model.encoder.vit.depth`, `stages[sft].steps`,
// `data[0].components[1].weight`.
//
// A segment is a field name, optionally followed by `[i]` (an element by position) or
// `[key]` (an element of a list whose message type declares a merge_key, by that key).
//
//   absl::StatusOr<std::vector<PathSegment>> segs = ParsePathText("stages[sft].steps");
//   absl::StatusOr<FieldPath> path = ResolvePath(experiment, *segs);   // read
//   std::string text = FormatPath(experiment, *path);                  // "stages[sft].steps"
#ifndef VLMLAB_PLATFORM_SPEC_FIELD_PATH_H_
#define VLMLAB_PLATFORM_SPEC_FIELD_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace vlmlab {

// One step of a resolved path: a field, and for a repeated field, which element (-1: the whole
// list, or a singular field).
struct PathStep {
  const google::protobuf::FieldDescriptor* field = nullptr;
  int index = -1;
};
using FieldPath = std::vector<PathStep>;

// One segment of a path as written.
struct PathSegment {
  std::string name;
  enum class Selector { kNone, kIndex, kKey } selector = Selector::kNone;
  int index = -1;
  std::string key;
};

absl::StatusOr<std::vector<PathSegment>> ParsePathText(absl::string_view text);

// The merge-key field of a message type (its `(vlmlab.merge_key)` option), or nullptr.
const google::protobuf::FieldDescriptor* MergeKeyField(const google::protobuf::Descriptor* type);

// The key of element `index` of repeated message field `field` of `message`, or "" if the
// element type has no merge key or the key is unset.
std::string ElementKey(const google::protobuf::Message& message,
                       const google::protobuf::FieldDescriptor* field, int index);

// Index of the element of `field` whose merge key is `key`, or -1.
int FindElementByKey(const google::protobuf::Message& message,
                     const google::protobuf::FieldDescriptor* field, absl::string_view key);

// Looks a field up by name, failing with the message type, the bad name and the closest match.
absl::StatusOr<const google::protobuf::FieldDescriptor*> FindFieldOrError(
    const google::protobuf::Descriptor* type, absl::string_view name);

// Resolves `segments` against an existing message; every element must exist.
absl::StatusOr<FieldPath> ResolvePath(const google::protobuf::Message& root,
                                      const std::vector<PathSegment>& segments);

// Renders a path, writing `[key]` for keyed list elements and `[i]` otherwise.
std::string FormatPath(const google::protobuf::Message& root, const FieldPath& path);

// The message a path (all of whose steps are message fields) leads to, or nullptr.
const google::protobuf::Message* MessageAt(const google::protobuf::Message& root,
                                           const FieldPath& path);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_FIELD_PATH_H_
