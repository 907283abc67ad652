// VQA accuracy against the official script itself: testdata/vqa_official.json holds cases
// scored by GT-Vision-Lab/VQA's vqaEval.py under Python 3 (tools/goldens/vqa_goldens.py), at
// its current commit and at the commit before the 2021 answer-processing fix. Hand-written
// cases (capitalisation, punctuation, numbers, Unicode case, whitespace and digits) come first,
// then 400 seeded random ones.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/metrics/vqa_accuracy.h"

namespace vlmlab::metrics {
namespace {

constexpr char kGoldens[] = "platform/metrics/testdata/vqa_official.json";

nlohmann::json LoadCases() {
  std::ifstream in(kGoldens);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str()).at("cases");
}

void ExpectMatchesScript(VqaScript script, const char* key) {
  const nlohmann::json cases = LoadCases();
  ASSERT_GE(cases.size(), 400u) << kGoldens;
  int differ_from_other_version = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const nlohmann::json& c = cases[i];
    const std::string prediction = c.at("prediction");
    const std::vector<std::string> answers = c.at("answers");
    const double want = c.at(key);
    // The script averages ten min(1, k / 3) terms in floating point, as vlmlab does: equal bits.
    EXPECT_NEAR(VqaAccuracy(prediction, answers, script), want, 1e-12)
        << "case " << i << ": prediction '" << prediction << "'";
    differ_from_other_version += c.at("current") != c.at("pre2021") ? 1 : 0;
  }
  // The goldens separate the two versions, so matching one is no accident of the other.
  EXPECT_GT(differ_from_other_version, 50);
}

TEST(VqaOfficialTest, CurrentScriptOnEveryCase) {
  ExpectMatchesScript(VqaScript::kCurrent, "current");
}

TEST(VqaOfficialTest, Pre2021ScriptOnEveryCase) {
  ExpectMatchesScript(VqaScript::kPre2021, "pre2021");
}

TEST(VqaOfficialTest, ScriptNames) {
  EXPECT_EQ(*ParseVqaScript("current"), VqaScript::kCurrent);
  EXPECT_EQ(*ParseVqaScript("pre2021"), VqaScript::kPre2021);
  EXPECT_STREQ(VqaScriptName(VqaScript::kPre2021), "pre2021");
  absl::StatusOr<VqaScript> bad = ParseVqaScript("2019");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("current"));
}

}  // namespace
}  // namespace vlmlab::metrics
