// Collects a plugin validator's complaints about its own options, by field path.
//
// A validator reports paths relative to its options message; the spec validator turns them
// into full paths with the file, line and column they came from:
//
//   absl::Status ValidateVit(const VitOptions& o, ValidationContext& ctx) {
//     if (o.width() % o.heads() != 0)
//       ctx.Error("heads", absl::StrCat(o.heads(), " does not divide width ", o.width()));
//     return absl::OkStatus();
//   }
//
// Header-only: out-of-tree plugins use it without linking vlmlab code.
#ifndef VLMLAB_PLATFORM_PLUGIN_API_VALIDATION_CONTEXT_H_
#define VLMLAB_PLATFORM_PLUGIN_API_VALIDATION_CONTEXT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab {

struct FieldError {
  std::string path;     // relative to the options message, e.g. "heads" or "encoders[1]"
  std::string message;  // what is wrong and how to fix it
};

class ValidationContext {
 public:
  void Error(absl::string_view path, absl::string_view message) {
    errors_.push_back(FieldError{std::string(path), std::string(message)});
  }
  bool ok() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_VALIDATION_CONTEXT_H_
