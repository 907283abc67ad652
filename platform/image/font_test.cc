#include "platform/image/font.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab {
namespace {

int DarkPixels(const Image& img, const TextBox& box) {
  int dark = 0;
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) dark += img.at(x, y)[0] < 128;
  }
  return dark;
}

TEST(FontTest, DrawsInkInsideItsBox) {
  absl::StatusOr<const Font*> font = DefaultFont();
  ASSERT_TRUE(font.ok()) << font.status();
  Image img(120, 40, 3);
  FillImage(&img, Rgb{255, 255, 255});
  TextBox box = (*font)->Draw(&img, 5, 28, "Hello", 20, Rgb{0, 0, 0});
  ASSERT_FALSE(box.empty());
  EXPECT_GT(DarkPixels(img, box), 30);
  // 'H' is a cap: its top is about 0.73 em above the baseline; the box ends at the baseline.
  EXPECT_NEAR(box.y0, 28 - 15, 2);
  EXPECT_EQ(box.y1, 28);
  EXPECT_GE(box.x0, 5);
  EXPECT_LE(box.x1, 5 + (*font)->Advance("Hello", 20));
  // Nothing was drawn outside the box.
  TextBox everything{0, 0, img.width, img.height};
  EXPECT_EQ(DarkPixels(img, everything), DarkPixels(img, box));
}

TEST(FontTest, AdvanceAndMetricsScaleWithSize) {
  const Font* font = DefaultFont().value();
  EXPECT_EQ(font->Advance("", 12), 0);
  EXPECT_GT(font->Advance("ab", 24), font->Advance("ab", 12));
  EXPECT_EQ(font->Advance("ab", 12), font->Advance("a", 12) + font->Advance("b", 12));
  FontMetrics m = font->Metrics(20);
  EXPECT_GT(m.ascent, 14);
  EXPECT_GT(m.descent, 2);
  EXPECT_GE(m.line_height, m.ascent + m.descent - 1);
  // Non-ASCII bytes draw as '?'.
  EXPECT_EQ(font->Advance("\xC3\xA9", 12), 2 * font->Advance("?", 12));
}

TEST(FontTest, SpacesAndClippedTextGiveEmptyBoxes) {
  const Font* font = DefaultFont().value();
  Image img(20, 20, 3);
  EXPECT_TRUE(font->Draw(&img, 2, 15, "   ", 12, Rgb{255, 255, 255}).empty());
  EXPECT_TRUE(font->Draw(&img, 200, 15, "far away", 12, Rgb{255, 255, 255}).empty());
}

TEST(FontTest, MissingFontFileIsAnError) {
  absl::StatusOr<std::unique_ptr<Font>> font = Font::Load("/nonexistent/font.ttf");
  ASSERT_FALSE(font.ok());
  EXPECT_THAT(font.status().message(), ::testing::HasSubstr("/nonexistent/font.ttf"));
}

}  // namespace
}  // namespace vlmlab
