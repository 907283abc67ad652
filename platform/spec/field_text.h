// The one printer of a protobuf scalar field's value, for the canonical spec text (and so the
// spec hash) and for the store's searchable spec fields. The two differ only where the caller
// asks:
//   - FloatFormat::kSignificant: floats with 9 and doubles with 17 significant digits. Exact,
//     and the form spec hashes have always used (changing it would re-key every stored run).
//   - FloatFormat::kShortest: the shortest text that reads back to the same value ("0.1"),
//     for people (the dashboard's filters, the store's run_fields).
//   - StringFormat::kQuoted: "C-escaped and quoted"; kRaw: the bytes as they are.
// Integers print in decimal, bools as true/false, enums by name.
//
//   std::string hash_form = ScalarFieldText(m, f, -1, FloatFormat::kSignificant,
//                                           StringFormat::kQuoted);   // "0.00100000005"
//   std::string shown = ScalarFieldText(m, f, -1, FloatFormat::kShortest,
//                                       StringFormat::kRaw);          // "0.001"
#ifndef VLMLAB_PLATFORM_SPEC_FIELD_TEXT_H_
#define VLMLAB_PLATFORM_SPEC_FIELD_TEXT_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace vlmlab {

enum class FloatFormat { kSignificant, kShortest };
enum class StringFormat { kQuoted, kRaw };

// The value of scalar field `f` of `m`; `index` >= 0 picks an element of a repeated field,
// -1 reads a singular one. `f` must not be a message field.
std::string ScalarFieldText(const google::protobuf::Message& m,
                            const google::protobuf::FieldDescriptor* f, int index,
                            FloatFormat floats, StringFormat strings);

// The shortest decimal text that reads back (strtof / strtod) to exactly `x`.
std::string ShortestFloatText(float x);
std::string ShortestDoubleText(double x);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_FIELD_TEXT_H_
