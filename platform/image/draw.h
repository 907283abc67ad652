// Anti-aliased 2-D drawing on an Image: filled rectangles, circles and polygons (convex or
// not) with exact horizontal coverage and 4 sub-rows per pixel; what the synthetic world
// renders its scenes and charts with. Coordinates are floats in pixels, (0, 0) the top-left
// corner of the top-left pixel; colours are RGB and written to 1 (luma), 3 or 4 channels.
//
//   Image img(64, 64, 3);
//   FillImage(&img, Rgb{230, 230, 230});
//   FillCircle(&img, 20.f, 20.f, 8.f, Rgb{220, 40, 40});
//   FillPolygon(&img, {{40, 10}, {56, 38}, {24, 38}}, Rgb{40, 80, 220});
#ifndef VLMLAB_PLATFORM_IMAGE_DRAW_H_
#define VLMLAB_PLATFORM_IMAGE_DRAW_H_

#include <cstdint>
#include <vector>

#include "platform/image/image.h"

namespace vlmlab {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

struct PointF {
  float x = 0, y = 0;
};

// Writes `color` blended over pixel (x, y) with opacity `alpha` in [0, 1]; outside is ignored.
void BlendPixel(Image* image, int x, int y, Rgb color, float alpha);
void FillImage(Image* image, Rgb color);
// Pixels [x0, x1) x [y0, y1), clipped; no anti-aliasing (integer edges).
void FillRect(Image* image, int x0, int y0, int x1, int y1, Rgb color);
void FillCircle(Image* image, float cx, float cy, float radius, Rgb color);
// A simple polygon (even-odd rule), e.g. a triangle or a 10-vertex star.
void FillPolygon(Image* image, const std::vector<PointF>& points, Rgb color);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_IMAGE_DRAW_H_
