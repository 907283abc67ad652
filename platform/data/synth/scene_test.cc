// The scene annotations agree with the pixels: the test finds the shapes again by colour in
// the rendered image (connected regions of exactly a palette colour) and checks counts,
// colours, circle/square counts from region geometry, and the answers of counting questions.
#include "platform/data/synth/scene.h"

#include <cmath>
#include <map>
#include <queue>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/data/synth/questions.h"
#include "platform/data/synth/world_image.h"

namespace vlmlab {
namespace {

struct Region {
  int color = -1;
  int area = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
  double fill() const { return static_cast<double>(area) / ((x1 - x0 + 1) * (y1 - y0 + 1)); }
  double aspect() const { return static_cast<double>(x1 - x0 + 1) / (y1 - y0 + 1); }
};

int PaletteIndex(const uint8_t* p) {
  for (int c = 0; c < kNumColors; ++c) {
    if (p[0] == kColors[c].rgb.r && p[1] == kColors[c].rgb.g && p[2] == kColors[c].rgb.b) return c;
  }
  return -1;
}

// 8-connected regions of pixels that are exactly one palette colour.
std::vector<Region> FindRegions(const Image& img) {
  std::vector<int> seen(img.width * img.height, 0);
  std::vector<Region> regions;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const int color = PaletteIndex(img.at(x, y));
      if (color < 0 || seen[y * img.width + x]) continue;
      Region r;
      r.color = color;
      std::queue<std::pair<int, int>> todo;
      todo.push({x, y});
      seen[y * img.width + x] = 1;
      while (!todo.empty()) {
        auto [px, py] = todo.front();
        todo.pop();
        ++r.area;
        r.x0 = std::min(r.x0, px);
        r.x1 = std::max(r.x1, px);
        r.y0 = std::min(r.y0, py);
        r.y1 = std::max(r.y1, py);
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            const int nx = px + dx, ny = py + dy;
            if (nx < 0 || ny < 0 || nx >= img.width || ny >= img.height) continue;
            if (seen[ny * img.width + nx] || PaletteIndex(img.at(nx, ny)) != color) continue;
            seen[ny * img.width + nx] = 1;
            todo.push({nx, ny});
          }
        }
      }
      regions.push_back(r);
    }
  }
  return regions;
}

// At 240 px the regions are large enough for two coarse features to tell these apart: fill
// (area over bounding box: square 1, circle and hexagon ~0.78, others <= 0.6) and aspect
// (hexagons are 1.15 times wider than tall).
bool LooksLikeSquare(const Region& r) { return r.fill() > 0.95; }
bool LooksLikeCircle(const Region& r) {
  return r.fill() > 0.72 && r.fill() < 0.84 && std::abs(r.aspect() - 1) < 0.06;
}

TEST(SceneTest, PixelsMatchTheDescriptionAndTheCountAnswers) {
  SynthConfig c;
  c.image_size = 240;
  c.max_objects = 9;
  int checked_questions = 0;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    WorldImage w = DrawWorldImage(c, WorldKind::kScene, seed).value();
    const std::vector<SceneObject>& objects = w.scene.objects;
    std::vector<Region> regions = FindRegions(w.image);
    ASSERT_EQ(regions.size(), objects.size()) << "seed " << seed;
    std::map<int, int> pixel_colors, truth_colors;
    int pixel_circles = 0, pixel_squares = 0, truth_circles = 0, truth_squares = 0;
    for (const Region& r : regions) {
      ++pixel_colors[r.color];
      pixel_circles += LooksLikeCircle(r);
      pixel_squares += LooksLikeSquare(r);
    }
    for (const SceneObject& o : objects) {
      ++truth_colors[o.color];
      truth_circles += o.shape == ShapeKind::kCircle;
      truth_squares += o.shape == ShapeKind::kSquare;
      // The shape lies inside its recorded box.
      bool inside = false;
      for (const Region& r : regions) {
        inside |= r.color == o.color && r.x0 >= o.bbox.x0 && r.x1 < o.bbox.x1 &&
                  r.y0 >= o.bbox.y0 && r.y1 < o.bbox.y1;
      }
      EXPECT_TRUE(inside) << "seed " << seed;
    }
    EXPECT_EQ(pixel_colors, truth_colors) << "seed " << seed;
    EXPECT_EQ(pixel_circles, truth_circles) << "seed " << seed;
    EXPECT_EQ(pixel_squares, truth_squares) << "seed " << seed;
    // Reading order: top to bottom by grid row, then left to right.
    for (size_t i = 1; i < objects.size(); ++i) {
      EXPECT_TRUE(objects[i - 1].row < objects[i].row ||
                  (objects[i - 1].row == objects[i].row && objects[i - 1].cx < objects[i].cx));
    }
    SynthRng rng(seed);
    for (const SynthQuestion& q : ImageQuestions(w, &rng)) {
      std::string expected;
      if (q.question == "How many shapes are there?") expected = absl::StrCat(regions.size());
      if (q.question == "How many circles are there?") expected = absl::StrCat(pixel_circles);
      if (q.question == "How many squares are there?") expected = absl::StrCat(pixel_squares);
      for (int color = 0; color < kNumColors; ++color) {
        if (q.question == absl::StrCat("How many ", kColors[color].name, " shapes are there?")) {
          expected = absl::StrCat(pixel_colors[color]);
        }
      }
      if (expected.empty()) continue;
      EXPECT_EQ(q.answer, expected) << q.question << " seed " << seed;
      ++checked_questions;
    }
  }
  EXPECT_GT(checked_questions, 200);
}

TEST(SceneTest, ShapesNeverTouchEvenAtMostObjects) {
  for (int max_objects : {1, 4, 16, 32}) {
    SynthConfig c;
    c.image_size = 96;
    c.max_objects = max_objects;
    for (uint64_t seed = 0; seed < 20; ++seed) {
      WorldImage w = DrawWorldImage(c, WorldKind::kScene, seed).value();
      const auto& objects = w.scene.objects;
      EXPECT_GE(objects.size(), 1u);
      EXPECT_LE(static_cast<int>(objects.size()), max_objects);
      for (size_t i = 0; i < objects.size(); ++i) {
        for (size_t j = i + 1; j < objects.size(); ++j) {
          const TextBox &a = objects[i].bbox, &b = objects[j].bbox;
          EXPECT_TRUE(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0)
              << "seed " << seed << " objects " << i << ", " << j;
        }
      }
    }
  }
}

TEST(SceneTest, ScenesRenderAtEveryResolution) {
  for (int size : {8, 17, 64, 333}) {
    SynthRng rng(size);
    Scene scene = SampleScene(size, 4, &rng);
    Image img = RenderScene(scene, 1);
    EXPECT_EQ(img.width, size);
    EXPECT_EQ(img.height, size);
  }
}

}  // namespace
}  // namespace vlmlab
