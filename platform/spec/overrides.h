// Overrides: small edits to a spec from the command line, sweeps and variants.
//
//   ApplyOverride("model.encoder.vit.depth=8", &experiment);        // set a scalar
//   ApplyOverride("stages[sft].optimizer.lr=3e-5", &experiment);    // keyed list element
//   ApplyOverride("model.projector.mlp={layers: 3}", &experiment);  // replace a message
//   ApplyOverride("tags=[ablation, small]", &experiment);           // replace a list
//   ApplyOverride("-evaluators[pope]", &experiment);                // remove / clear
//   ApplyMergeFragment("model { fusion { cross_attention {} } }", &experiment);
//
// Semantics (docs/spec.md, "Overrides"):
//   - `path=value` replaces what is at path. A message value is text format, braces optional.
//     String values may be bare (`name=run7`) or quoted.
//   - A list path without [..] takes `[a, b, ...]` or one value, and replaces the whole list.
//     `list[i]=v` replaces element i (i == size appends); `list[key]=...` addresses the element
//     of a keyed list, creating it (with that key) when absent.
//   - Intermediate messages are created; naming another oneof member switches the plugin.
//   - `-path` clears a field, or removes one element of a list.
//   - A fragment is text format of the whole message, merged with MergeSpec.
#ifndef VLMLAB_PLATFORM_SPEC_OVERRIDES_H_
#define VLMLAB_PLATFORM_SPEC_OVERRIDES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace vlmlab {

// Errors name the override text and what is wrong with it.
absl::Status ApplyOverride(absl::string_view override_text, google::protobuf::Message* spec);

// `fragment` is text format of spec's own type; errors carry line:column within it.
absl::Status ApplyMergeFragment(absl::string_view fragment, google::protobuf::Message* spec);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_OVERRIDES_H_
