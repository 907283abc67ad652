// Checks on the strings the store is given, so both engines accept the same inputs: text must
// be valid UTF-8 without NUL bytes (PostgreSQL refuses both), and ids must be non-empty.
//
//   VLMLAB_RETURN_IF_ERROR(CheckId("run id", run.id));
//   VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat("run '", run.id, "' spec_text"), text));
#ifndef VLMLAB_PLATFORM_STORE_TEXT_CHECKS_H_
#define VLMLAB_PLATFORM_STORE_TEXT_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vlmlab::store {

// True for well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// InvalidArgument naming `what` and the byte offset of the problem.
absl::Status CheckText(absl::string_view what, absl::string_view value);
// CheckText, and not empty.
absl::Status CheckId(absl::string_view what, absl::string_view value);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_TEXT_CHECKS_H_
