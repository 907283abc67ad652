// ReadJsonFile's errors (naming what and where) and the nesting limit checked before parsing.
#include "platform/base/json_file.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(JsonFileTest, NestingLimitIgnoresBracketsInStrings) {
  EXPECT_TRUE(JsonNestingOk("[[[\"[[[[[[\"]]]", 3));
  EXPECT_TRUE(JsonNestingOk("[[[\"\\\"[[[[\"]]]", 3));  // an escaped quote stays in the string
  EXPECT_FALSE(JsonNestingOk("[[[[", 3));
  EXPECT_FALSE(JsonNestingOk("{\"a\":{\"b\":[[]]}}", 3));
  EXPECT_TRUE(JsonNestingOk(std::string(64, '['), 64));
  EXPECT_FALSE(JsonNestingOk(std::string(65, '['), 64));
}

TEST(JsonFileTest, ParsesAndNamesTheFileInErrors) {
  absl::StatusOr<nlohmann::json> ok = ReadJsonFile(Write("ok.json", R"({"a": [1, "é"]})"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)["a"][1].get<std::string>(), "é");

  const std::string bad = Write("bad.json", "{\"a\": ");
  absl::StatusOr<nlohmann::json> parse = ReadJsonFile(bad, "COCO captions");
  EXPECT_TRUE(absl::IsInvalidArgument(parse.status()));
  EXPECT_THAT(parse.status().message(), HasSubstr("COCO captions " + bad + ": not valid JSON"));
  EXPECT_THAT(parse.status().message(), HasSubstr("parse error at line 1, column 7"));

  const std::string deep = Write("deep.json", std::string(100000, '['));
  absl::StatusOr<nlohmann::json> nested = ReadJsonFile(deep);
  EXPECT_THAT(nested.status().message(), HasSubstr(deep + ": JSON nested deeper than 64"));

  const std::string absent = ::testing::TempDir() + "/no_such_dir/x.json";
  absl::StatusOr<nlohmann::json> missing = ReadJsonFile(absent, "VQAv2 questions");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("VQAv2 questions: cannot open"));
}

}  // namespace
}  // namespace vlmlab
