// The fixed vocabulary of the synthetic world: shape kinds, named colours, sizes, number
// words, document words and chart labels. Indices into these tables are what world
// descriptions store.
//
//   absl::string_view name = ShapeName(ShapeKind::kStar);   // "star"
//   Rgb red = kColors[0].rgb;
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_VOCABULARY_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_VOCABULARY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "platform/image/draw.h"

namespace vlmlab {

enum class ShapeKind { kCircle = 0, kSquare, kTriangle, kDiamond, kStar, kHexagon };
inline constexpr int kNumShapes = 6;

absl::string_view ShapeName(ShapeKind shape);    // "circle"
absl::string_view ShapePlural(ShapeKind shape);  // "circles"

struct NamedColor {
  absl::string_view name;
  Rgb rgb;
};
// Saturated, mutually distinct hues; backgrounds are neutral greys, so no object colour ever
// appears in a background.
inline constexpr int kNumColors = 8;
extern const NamedColor kColors[kNumColors];

// "zero" .. "twenty"; larger numbers are written in digits.
std::string NumberWord(int n);

// Lower-case words for documents (2-7 letters).
const std::vector<std::string>& DocumentWords();
// Short (3-letter) chart bar labels and chart titles.
const std::vector<std::string>& ChartLabels();
const std::vector<std::string>& ChartTitles();

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_VOCABULARY_H_
