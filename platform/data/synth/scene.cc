#include "platform/data/synth/scene.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace vlmlab {
namespace {

constexpr float kExtent = 1.1f;  // every shape fits in a circle of kExtent * radius
constexpr float kPi = 3.14159265358979f;

const std::vector<Rgb>& Backgrounds() {
  static const auto* const backgrounds =
      new std::vector<Rgb>{{232, 232, 232}, {214, 214, 208}, {240, 236, 226}, {200, 203, 208},
                           {40, 40, 44},    {64, 64, 64},    {88, 86, 84},    {150, 150, 150}};
  return *backgrounds;
}

uint8_t Shift(uint8_t v, int delta) { return static_cast<uint8_t>(std::clamp(v + delta, 0, 255)); }

void AppendFloat(std::string* key, float f) {
  char bytes[sizeof(float)];
  std::memcpy(bytes, &f, sizeof(f));
  key->append(bytes, sizeof(bytes));
}

}  // namespace

int SceneGrid(int max_objects) {
  int grid = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(max_objects))));
  return std::max(3, grid);
}

Scene SampleScene(int size, int max_objects, SynthRng* rng) {
  Scene scene;
  scene.size = size;
  scene.grid = SceneGrid(max_objects);
  scene.background = rng->Pick(Backgrounds());
  const int texture = rng->Uniform(10);  // 40% plain, 20% each texture
  scene.texture = texture < 4 ? Texture::kPlain : static_cast<Texture>(1 + (texture - 4) / 2);
  const int count = rng->Range(1, max_objects);
  std::vector<int> cells(scene.grid * scene.grid);
  for (int i = 0; i < static_cast<int>(cells.size()); ++i) cells[i] = i;
  rng->Shuffle(&cells);
  cells.resize(count);
  std::sort(cells.begin(), cells.end());  // reading order
  const float cell = static_cast<float>(size) / scene.grid;
  for (int c : cells) {
    SceneObject o;
    o.row = c / scene.grid;
    o.col = c % scene.grid;
    o.shape = static_cast<ShapeKind>(rng->Uniform(kNumShapes));
    o.color = rng->Uniform(kNumColors);
    o.large = rng->Bernoulli(0.5);
    o.radius = (o.large ? 0.38f : 0.21f) * cell;
    const float jitter = std::max(0.f, 0.5f * cell - kExtent * o.radius - 0.5f);
    // Quarter-pixel positions keep descriptions exactly representable.
    o.cx = std::round(((o.col + 0.5f) * cell + rng->Float(-jitter, jitter)) * 4) / 4;
    o.cy = std::round(((o.row + 0.5f) * cell + rng->Float(-jitter, jitter)) * 4) / 4;
    const float e = kExtent * o.radius;
    o.bbox = TextBox{std::max(0, static_cast<int>(std::floor(o.cx - e))),
                     std::max(0, static_cast<int>(std::floor(o.cy - e))),
                     std::min(size, static_cast<int>(std::ceil(o.cx + e))),
                     std::min(size, static_cast<int>(std::ceil(o.cy + e)))};
    scene.objects.push_back(o);
  }
  return scene;
}

void AppendSceneKey(const Scene& scene, std::string* key) {
  absl::StrAppend(key, "scene:", scene.size, ":", scene.grid, ":", scene.background.r, ",",
                  scene.background.g, ",", scene.background.b, ":",
                  static_cast<int>(scene.texture));
  for (const SceneObject& o : scene.objects) {
    absl::StrAppend(key, ";", static_cast<int>(o.shape), ",", o.color, ",", o.large ? 1 : 0, ",");
    AppendFloat(key, o.cx);
    AppendFloat(key, o.cy);
    AppendFloat(key, o.radius);
  }
}

void DrawBackground(Image* image, Rgb bg, Texture texture, uint64_t texture_seed) {
  const int w = image->width, h = image->height, channels = image->channels;
  if (w == 0 || h == 0) return;
  const int period = std::max(2, std::max(w, h) / 16);
  // The shifted colours for every delta in [-10, 10].
  uint8_t shifted[21][3];
  for (int d = -10; d <= 10; ++d) {
    shifted[d + 10][0] = Shift(bg.r, d);
    shifted[d + 10][1] = Shift(bg.g, d);
    shifted[d + 10][2] = Shift(bg.b, d);
  }
  for (int y = 0; y < h; ++y) {
    uint8_t* p = image->at(0, y);
    if (texture == Texture::kPlain && y > 0) {
      std::memcpy(p, image->at(0, 0), static_cast<size_t>(w) * channels);
      continue;
    }
    const int gradient = texture == Texture::kGradient && h > 1 ? -10 + 20 * y / (h - 1) : 0;
    for (int x = 0; x < w; ++x, p += channels) {
      int delta = gradient;
      if (texture == Texture::kNoise) {
        delta = static_cast<int>(Mix64(texture_seed ^ (static_cast<uint64_t>(y) * w + x)) % 17) - 8;
      } else if (texture == Texture::kStripes) {
        delta = ((x + y) / period) % 2 == 0 ? 6 : -6;
      }
      std::memcpy(p, shifted[delta + 10], 3);
    }
  }
}

void DrawShape(Image* image, ShapeKind shape, float cx, float cy, float r, Rgb color) {
  switch (shape) {
    case ShapeKind::kCircle:
      FillCircle(image, cx, cy, r, color);
      return;
    case ShapeKind::kSquare: {
      const float h = 0.85f * r;
      FillPolygon(image, {{cx - h, cy - h}, {cx + h, cy - h}, {cx + h, cy + h}, {cx - h, cy + h}},
                  color);
      return;
    }
    case ShapeKind::kTriangle: {
      const float R = kExtent * r, dy = R / 4;  // centre the bounding box vertically
      const float half = R * 0.8660254f;
      FillPolygon(image,
                  {{cx, cy - R + dy}, {cx + half, cy + R / 2 + dy}, {cx - half, cy + R / 2 + dy}},
                  color);
      return;
    }
    case ShapeKind::kDiamond: {
      const float v = 1.05f * r, hz = 0.72f * r;
      FillPolygon(image, {{cx, cy - v}, {cx + hz, cy}, {cx, cy + v}, {cx - hz, cy}}, color);
      return;
    }
    case ShapeKind::kStar: {
      std::vector<PointF> points;
      const float outer = kExtent * r, inner = 0.45f * outer;
      for (int i = 0; i < 10; ++i) {
        const float a = -kPi / 2 + i * kPi / 5, rr = i % 2 == 0 ? outer : inner;
        points.push_back({cx + rr * std::cos(a), cy + rr * std::sin(a)});
      }
      FillPolygon(image, points, color);
      return;
    }
    case ShapeKind::kHexagon: {
      std::vector<PointF> points;
      for (int i = 0; i < 6; ++i) {
        const float a = i * kPi / 3;
        points.push_back({cx + r * std::cos(a), cy + r * std::sin(a)});
      }
      FillPolygon(image, points, color);
      return;
    }
  }
}

Image RenderScene(const Scene& scene, uint64_t texture_seed) {
  Image image(scene.size, scene.size, 3);
  DrawBackground(&image, scene.background, scene.texture, texture_seed);
  for (const SceneObject& o : scene.objects) {
    DrawShape(&image, o.shape, o.cx, o.cy, o.radius, kColors[o.color].rgb);
  }
  return image;
}

}  // namespace vlmlab
