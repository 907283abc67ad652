#include "platform/store/text_checks.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::store {
namespace {

TEST(TextChecksTest, AcceptsWellFormedUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain <script>"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9"));          // é
  EXPECT_TRUE(IsValidUtf8("\xE6\x9D\xB1"));      // 東
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x9A\x80"));  // 🚀
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(TextChecksTest, RejectsMalformedUtf8) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(TextChecksTest, MessagesNameTheFieldAndOffset) {
  absl::Status s = CheckText("run 'r' variant", "ab\xC3");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "run 'r' variant is not valid UTF-8 (bad byte at offset 2); store text as UTF-8");
  s = CheckText("spec", std::string("x\0y", 3));
  EXPECT_EQ(s.message(), "spec contains a NUL byte at offset 1; remove it");
  EXPECT_EQ(CheckId("run id", "").message(), "run id is empty");
  EXPECT_TRUE(CheckId("run id", "r").ok());
}

}  // namespace
}  // namespace vlmlab::store
