// Fuzzes the experiment spec reader: text format parsing into an Experiment, its canonical
// printing, and the overrides a command line applies to it. Input: the spec text, then
// "\n--\n", then one override per line ("path=value").
#include <cstdint>

#include "absl/strings/str_split.h"
#include "platform/spec/canonical.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/overrides.h"
#include "platform/spec/text_parse.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts =
      vlmlab::fuzz::SplitFuzzInput(vlmlab::fuzz::FuzzString(data, size), 2);
  vlmlab::Experiment spec;
  if (!vlmlab::ParseTextProto(parts[0], "fuzz.textproto", &spec).ok()) spec.Clear();
  for (absl::string_view line : absl::StrSplit(parts[1], '\n', absl::SkipEmpty())) {
    (void)vlmlab::ApplyOverride(line, &spec);
  }
  (void)vlmlab::CanonicalText(spec);
  return 0;
}
