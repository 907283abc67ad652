// Test helper: writes a file under the test's temporary directory and returns its path.
//
//   std::string path = WriteTestFile("results.json", R"([{"question_id": 1, "answer": "2"}])");
#ifndef VLMLAB_PLATFORM_METRICS_TEST_FILES_H_
#define VLMLAB_PLATFORM_METRICS_TEST_FILES_H_

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace vlmlab::metrics {

inline std::string WriteTestFile(const std::string& name, const std::string& text) {
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  const std::string path = dir + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_TEST_FILES_H_
