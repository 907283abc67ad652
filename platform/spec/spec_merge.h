// Merges one spec message over another with the rules experiment inheritance (`base:`),
// sweep variants and `merge` fragments share (docs/spec.md, "Merge semantics"):
//   - a set scalar replaces; an unset one leaves the target alone;
//   - a set message merges field by field; choosing another member of a oneof (another
//     plugin) replaces the previous member;
//   - a list of messages whose type has a merge_key (stages, evaluators, data, variants) merges
//     element by element, matched by key; new keys are appended in order;
//   - any other list (scalars, unkeyed messages) replaces the target's list;
//   - google.protobuf.Any (external plugin options) replaces.
//
//   absl::Status s = MergeSpec(child_file, &resolved);   // child over its base
#ifndef VLMLAB_PLATFORM_SPEC_SPEC_MERGE_H_
#define VLMLAB_PLATFORM_SPEC_SPEC_MERGE_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace vlmlab {

// `src` and `*dst` must have the same type. Fails only when an element of a keyed list in
// `src` has no key.
absl::Status MergeSpec(const google::protobuf::Message& src, google::protobuf::Message* dst);

// Copies field `field` of `src` into `dst` (same type), replacing what `dst` had.
void CopyField(const google::protobuf::Message& src, google::protobuf::Message* dst,
               const google::protobuf::FieldDescriptor* field);

// Appends element `index` of repeated `field` of `src` to the same field of `dst`.
void AppendElement(const google::protobuf::Message& src, int index, google::protobuf::Message* dst,
                   const google::protobuf::FieldDescriptor* field);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SPEC_MERGE_H_
