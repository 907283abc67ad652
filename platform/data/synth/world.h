// Descriptions of what the synthetic world draws: scenes of shapes, documents of text and bar
// charts, and the rendered image with the hash of its pixels, which decides the image's split
// (world_image.h).
//
//   WorldImage w = DrawWorldImage(config, WorldKind::kScene, seed).value();  // world_image.h
//   for (const SceneObject& o : w.scene.objects) ...                         // reading order
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_WORLD_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_WORLD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "platform/data/synth/vocabulary.h"
#include "platform/image/draw.h"
#include "platform/image/font.h"
#include "platform/image/image.h"

namespace vlmlab {

enum class WorldKind { kScene = 0, kDocument = 1, kChart = 2 };
absl::string_view WorldKindName(WorldKind kind);  // "scene" "document" "chart"

enum class Texture { kPlain = 0, kNoise = 1, kStripes = 2, kGradient = 3 };

struct SceneObject {
  ShapeKind shape = ShapeKind::kCircle;
  int color = 0;  // index into kColors
  bool large = false;
  int row = 0, col = 0;  // grid cell
  float cx = 0, cy = 0;  // centre in pixels
  float radius = 0;      // the shape fits in a circle of 1.1 * radius
  TextBox bbox;          // pixels the shape may touch
};

struct Scene {
  int size = 0;  // width = height
  int grid = 0;  // cells per side
  Rgb background;
  Texture texture = Texture::kPlain;
  std::vector<SceneObject> objects;  // reading order: by cell row, then column
};

struct DocumentWord {
  std::string text;
  int line = 0;
  TextBox bbox;  // ink box, filled in by rendering
};

struct Document {
  int size = 0;
  int pixel_size = 0;  // font size
  int margin_x = 0, top = 0;
  Rgb paper, ink;
  std::vector<std::string> lines;   // words joined by single spaces
  std::vector<DocumentWord> words;  // reading order
};

struct ChartBar {
  std::string label;
  int value = 0;
  int color = 0;  // index into kColors
  TextBox bbox;   // the bar, filled in by rendering
};

struct Chart {
  int size = 0;
  std::string title;
  std::vector<ChartBar> bars;  // left to right
};

// One rendered image of the world and what is in it.
struct WorldImage {
  WorldKind kind = WorldKind::kScene;
  Scene scene;              // kind == kScene
  Document document;        // kind == kDocument
  Chart chart;              // kind == kChart
  uint64_t content_id = 0;  // PixelHash(image): decides the split
  Image image;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_WORLD_H_
