// Flattens a spec message into (field path, value) rows for the store's run_fields table, so
// the dashboard can group and filter runs by any spec field. Paths use the override syntax of
// platform/spec/field_path.h: `model.llm.llama.layers`, `stages[pretrain].steps`,
// `data[captions].components[0].weight`.
//
//   RunDefinition def;
//   def.fields = store::SpecFields(run.experiment);
//
// Rows, in field-number order:
// - every singular scalar of every message reached, set or not (a default is a value too, so
//   runs that leave a field at its default still group with runs that set it), unhashed fields
//   included (tags, name);
// - a chosen oneof member `slot.member` also gives the row (`slot`, "member"): grouping by
//   `model.projector` groups by projector plugin; unchosen members give nothing;
// - repeated fields give one row per element, `[key]` when the element type has a merge key;
// - Any values are unpacked when their type is linked in, else give their type URL.
// Strings are raw, enums by name, bools true/false, floats and doubles in the shortest form
// that reads back exactly ("0.1").
#ifndef VLMLAB_PLATFORM_STORE_SPEC_FIELDS_H_
#define VLMLAB_PLATFORM_STORE_SPEC_FIELDS_H_

#include <vector>

#include "google/protobuf/message.h"
#include "platform/store/records.h"

namespace vlmlab::store {

std::vector<RunField> SpecFields(const google::protobuf::Message& spec);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_SPEC_FIELDS_H_
