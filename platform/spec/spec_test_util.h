// Test helper: an Experiment from text format, failing the test on a parse error.
//
//   Experiment e = ParseExperimentForTest("model { encoder { vit {} } }");
#ifndef VLMLAB_PLATFORM_SPEC_SPEC_TEST_UTIL_H_
#define VLMLAB_PLATFORM_SPEC_SPEC_TEST_UTIL_H_

#include <string>

#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/text_parse.h"

namespace vlmlab {

inline Experiment ParseExperimentForTest(const std::string& text) {
  Experiment e;
  absl::Status s = ParseTextProto(text, "test", &e);
  EXPECT_TRUE(s.ok()) << s;
  return e;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SPEC_TEST_UTIL_H_
