// Rendered text is legible where the layout says it is: every word box holds dark glyph
// pixels, boxes do not overlap, all ink lies in some box, and boxes follow reading order.
// Charts: every bar is its colour, and bar heights are proportional to the values.
#include "platform/data/synth/document.h"

#include <cmath>

#include "gtest/gtest.h"
#include "platform/data/synth/world_image.h"

namespace vlmlab {
namespace {

int Luma(const uint8_t* p) { return (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000; }

bool Overlap(const TextBox& a, const TextBox& b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

TEST(DocumentTest, WordBoxesHoldTheInkAndNeverOverlap) {
  for (int size : {128, 256, 384}) {
    SynthConfig c;
    c.image_size = size;
    for (uint64_t seed = 0; seed < 15; ++seed) {
      WorldImage w = DrawWorldImage(c, WorldKind::kDocument, seed).value();
      const Document& doc = w.document;
      const Image& img = w.image;
      const uint8_t paper_rgb[3] = {doc.paper.r, doc.paper.g, doc.paper.b};
      const int paper = Luma(paper_rgb);
      auto dark = [&](int x, int y) { return Luma(img.at(x, y)) < paper - 100; };
      ASSERT_FALSE(doc.words.empty());
      std::vector<int> in_box(img.width * img.height, 0);
      for (size_t i = 0; i < doc.words.size(); ++i) {
        const DocumentWord& word = doc.words[i];
        const TextBox& b = word.bbox;
        ASSERT_FALSE(b.empty()) << word.text;
        EXPECT_GE(b.x0, 0);
        EXPECT_GE(b.y0, 0);
        EXPECT_LE(b.x1, img.width) << word.text << " runs off the page";
        EXPECT_LE(b.y1, img.height);
        int ink = 0;
        for (int y = b.y0; y < b.y1; ++y) {
          for (int x = b.x0; x < b.x1; ++x) {
            ink += dark(x, y);
            in_box[y * img.width + x] = 1;
          }
        }
        // At least a couple of solid pixels per letter.
        EXPECT_GE(ink, 2 * static_cast<int>(word.text.size())) << word.text << " size " << size;
        for (size_t j = i + 1; j < doc.words.size(); ++j) {
          EXPECT_FALSE(Overlap(b, doc.words[j].bbox)) << word.text << " / " << doc.words[j].text;
        }
        if (i > 0) {
          const DocumentWord& prev = doc.words[i - 1];
          if (prev.line == word.line) {
            EXPECT_LT(prev.bbox.x1, b.x0);
          } else {
            EXPECT_EQ(word.line, prev.line + 1);
            EXPECT_LT(prev.bbox.y0, b.y0);
          }
        }
      }
      for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
          if (dark(x, y))
            EXPECT_TRUE(in_box[y * img.width + x]) << "stray ink at " << x << "," << y;
        }
      }
      // The lines are the words of the layout.
      std::vector<std::string> lines(doc.lines.size());
      for (const DocumentWord& word : doc.words) {
        lines[word.line] += (lines[word.line].empty() ? "" : " ") + word.text;
      }
      EXPECT_EQ(lines, doc.lines);
    }
  }
}

TEST(DocumentTest, TextScalesWithResolution) {
  SynthConfig small, large;
  small.image_size = 64;
  large.image_size = 384;
  WorldImage a = DrawWorldImage(small, WorldKind::kDocument, 3).value();
  WorldImage b = DrawWorldImage(large, WorldKind::kDocument, 3).value();
  EXPECT_LE(a.document.pixel_size, 6);  // about 5 px: unreadable at 64 px
  EXPECT_GE(b.document.pixel_size, 23);
}

TEST(DocumentTest, TinyPagesStillRender) {
  for (int split = 0; split < 3; ++split) {
    SynthConfig c;
    c.image_size = 8;
    c.split = static_cast<SynthSplit>(split);
    for (uint64_t seed = 0; seed < 10; ++seed) {
      EXPECT_TRUE(DrawWorldImage(c, WorldKind::kDocument, seed).ok());
      EXPECT_TRUE(DrawWorldImage(c, WorldKind::kChart, seed).ok());
    }
  }
}

TEST(ChartTest, BarsAreDrawnInProportionToTheirValues) {
  SynthConfig c;
  c.image_size = 256;
  for (uint64_t seed = 0; seed < 25; ++seed) {
    WorldImage w = DrawWorldImage(c, WorldKind::kChart, seed).value();
    const Chart& chart = w.chart;
    ASSERT_GE(chart.bars.size(), 3u);
    int max_value = 0, max_height = 0;
    for (const ChartBar& bar : chart.bars) {
      if (bar.value > max_value) {
        max_value = bar.value;
        max_height = bar.bbox.y1 - bar.bbox.y0;
      }
    }
    for (size_t i = 0; i < chart.bars.size(); ++i) {
      const ChartBar& bar = chart.bars[i];
      const TextBox& b = bar.bbox;
      // Every pixel of the bar is its colour (measured from the image).
      for (int y = b.y0; y < b.y1; ++y) {
        for (int x = b.x0; x < b.x1; ++x) {
          const uint8_t* p = w.image.at(x, y);
          ASSERT_EQ(p[0], kColors[bar.color].rgb.r);
          ASSERT_EQ(p[1], kColors[bar.color].rgb.g);
          ASSERT_EQ(p[2], kColors[bar.color].rgb.b);
        }
      }
      EXPECT_NEAR(b.y1 - b.y0, static_cast<double>(max_height) * bar.value / max_value, 1.0);
      if (i > 0) EXPECT_LT(chart.bars[i - 1].bbox.x1, b.x0);  // left to right, apart
    }
  }
}

}  // namespace
}  // namespace vlmlab
