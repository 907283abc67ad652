#include "platform/image/draw.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vlmlab {
namespace {

constexpr int kSubRows = 4;

// Rounds half up; the value is never negative.
inline uint8_t Mix(uint8_t under, uint8_t over, float alpha) {
  return static_cast<uint8_t>(under + (over - under) * alpha + 0.5f);
}

// Accumulates per-pixel coverage of spans over one pixel row at a time, then blends it.
class RowCoverage {
 public:
  RowCoverage(Image* image, Rgb color, float x_min, float x_max) : image_(image), color_(color) {
    x0_ = std::max(0, static_cast<int>(std::floor(x_min)));
    x1_ = std::min(image->width, static_cast<int>(std::ceil(x_max)));
    coverage_.assign(std::max(0, x1_ - x0_), 0.f);
  }
  // Adds the span [a, b) of one sub-row.
  void AddSpan(float a, float b) {
    a = std::max(a, static_cast<float>(x0_));
    b = std::min(b, static_cast<float>(x1_));
    if (b <= a) return;
    int first = static_cast<int>(std::floor(a)), last = static_cast<int>(std::ceil(b)) - 1;
    for (int px = first; px <= last; ++px) {
      float overlap = std::min(b, px + 1.f) - std::max(a, static_cast<float>(px));
      coverage_[px - x0_] += overlap * (1.f / kSubRows);
    }
  }
  void Flush(int y) {
    for (int i = 0; i < static_cast<int>(coverage_.size()); ++i) {
      if (coverage_[i] > 0.f) BlendPixel(image_, x0_ + i, y, color_, std::min(coverage_[i], 1.f));
      coverage_[i] = 0.f;
    }
  }

 private:
  Image* image_;
  Rgb color_;
  int x0_ = 0, x1_ = 0;
  std::vector<float> coverage_;
};

}  // namespace

void BlendPixel(Image* image, int x, int y, Rgb color, float alpha) {
  if (x < 0 || y < 0 || x >= image->width || y >= image->height || alpha <= 0.f) return;
  uint8_t* p = image->at(x, y);
  if (alpha > 0.999f) {
    if (image->channels >= 3) {
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
      if (image->channels == 4) p[3] = 255;
      return;
    }
    alpha = 1.f;
  }
  if (image->channels < 3) {
    uint8_t luma =
        static_cast<uint8_t>((299 * color.r + 587 * color.g + 114 * color.b + 500) / 1000);
    p[0] = Mix(p[0], luma, alpha);
    if (image->channels == 2) p[1] = Mix(p[1], 255, alpha);
    return;
  }
  p[0] = Mix(p[0], color.r, alpha);
  p[1] = Mix(p[1], color.g, alpha);
  p[2] = Mix(p[2], color.b, alpha);
  if (image->channels == 4) p[3] = Mix(p[3], 255, alpha);
}

void FillImage(Image* image, Rgb color) {
  FillRect(image, 0, 0, image->width, image->height, color);
}

void FillRect(Image* image, int x0, int y0, int x1, int y1, Rgb color) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image->width);
  y1 = std::min(y1, image->height);
  if (x1 <= x0 || y1 <= y0) return;
  // Paint the first row pixel by pixel, then copy it.
  for (int x = x0; x < x1; ++x) BlendPixel(image, x, y0, color, 1.f);
  const size_t bytes = static_cast<size_t>(x1 - x0) * image->channels;
  for (int y = y0 + 1; y < y1; ++y) std::memcpy(image->at(x0, y), image->at(x0, y0), bytes);
}

void FillCircle(Image* image, float cx, float cy, float radius, Rgb color) {
  if (radius <= 0.f) return;
  RowCoverage row(image, color, cx - radius, cx + radius);
  int y0 = std::max(0, static_cast<int>(std::floor(cy - radius)));
  int y1 = std::min(image->height, static_cast<int>(std::ceil(cy + radius)));
  for (int y = y0; y < y1; ++y) {
    for (int s = 0; s < kSubRows; ++s) {
      float dy = y + (s + 0.5f) / kSubRows - cy;
      float h2 = radius * radius - dy * dy;
      if (h2 <= 0.f) continue;
      float h = std::sqrt(h2);
      row.AddSpan(cx - h, cx + h);
    }
    row.Flush(y);
  }
}

void FillPolygon(Image* image, const std::vector<PointF>& points, Rgb color) {
  if (points.size() < 3) return;
  float min_x = points[0].x, max_x = points[0].x, min_y = points[0].y, max_y = points[0].y;
  for (const PointF& p : points) {
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  RowCoverage row(image, color, min_x, max_x);
  int y0 = std::max(0, static_cast<int>(std::floor(min_y)));
  int y1 = std::min(image->height, static_cast<int>(std::ceil(max_y)));
  std::vector<float> crossings;
  const size_t n = points.size();
  for (int y = y0; y < y1; ++y) {
    for (int s = 0; s < kSubRows; ++s) {
      float sy = y + (s + 0.5f) / kSubRows;
      crossings.clear();
      for (size_t i = 0; i < n; ++i) {
        const PointF& a = points[i];
        const PointF& b = points[(i + 1) % n];
        // Half-open in y so a vertex on the sample row counts once.
        if ((a.y <= sy && b.y > sy) || (b.y <= sy && a.y > sy)) {
          crossings.push_back(a.x + (sy - a.y) / (b.y - a.y) * (b.x - a.x));
        }
      }
      std::sort(crossings.begin(), crossings.end());
      for (size_t i = 0; i + 1 < crossings.size(); i += 2)
        row.AddSpan(crossings[i], crossings[i + 1]);
    }
    row.Flush(y);
  }
}

}  // namespace vlmlab
