// Helpers for the fuzz targets of tests/fuzz: the raw input as a string, split into parts at a
// separator line, so one input can carry several fields (a tokenizer file and a text).
//
//   std::string input = FuzzString(data, size);
//   std::vector<std::string> parts = SplitFuzzInput(input, 2);   // at "\n--\n"
#ifndef VLMLAB_TESTS_FUZZ_FUZZ_INPUT_H_
#define VLMLAB_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vlmlab::fuzz {

inline std::string FuzzString(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// The first `parts - 1` pieces before each "\n--\n", then the rest; missing parts are "".
inline std::vector<std::string> SplitFuzzInput(const std::string& input, int parts) {
  std::vector<std::string> out;
  size_t start = 0;
  for (int i = 0; i + 1 < parts; ++i) {
    const size_t sep = input.find("\n--\n", start);
    if (sep == std::string::npos) break;
    out.push_back(input.substr(start, sep - start));
    start = sep + 4;
  }
  out.push_back(start <= input.size() ? input.substr(start) : std::string());
  while (static_cast<int>(out.size()) < parts) out.push_back("");
  return out;
}

}  // namespace vlmlab::fuzz

#endif  // VLMLAB_TESTS_FUZZ_FUZZ_INPUT_H_
