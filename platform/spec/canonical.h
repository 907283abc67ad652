// The canonical form of a spec and its hash, which key results by what was run.
//
// Canonical text lists set fields in field-number order, one per line, nested by braces;
// fields equal to their default and fields marked `(unhashed)` (names, descriptions, seed,
// output locations) are left out; numbers print exactly (floats to 9, doubles to 17
// significant digits); external plugin options are unpacked. It does not depend on how the
// file was written (formatting, comments, field order, `1e-3` vs `0.001`), nor on protobuf's
// binary serialisation, which is not canonical.
//
//   std::string text = CanonicalText(experiment);
//   std::string hash = SpecHash(experiment);   // 16 hex digits of SHA-256(text)
#ifndef VLMLAB_PLATFORM_SPEC_CANONICAL_H_
#define VLMLAB_PLATFORM_SPEC_CANONICAL_H_

#include <string>

#include "google/protobuf/message.h"

namespace vlmlab {

std::string CanonicalText(const google::protobuf::Message& spec);

// Clears, recursively, every field equal to its default and every empty message that is not a
// chosen oneof member, so two specs that mean the same compare equal field by field.
void NormalizeSpec(google::protobuf::Message* spec);

// SHA-256 of CanonicalText, hex.
std::string SpecHashFull(const google::protobuf::Message& spec);

// The first 16 hex digits of SpecHashFull.
std::string SpecHash(const google::protobuf::Message& spec);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_CANONICAL_H_
