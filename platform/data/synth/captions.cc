#include "platform/data/synth/captions.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vlmlab {
namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

std::string SceneCaption(const std::vector<SceneObject>& objects, int size) {
  std::vector<std::string> phrases;
  for (const SceneObject& o : objects) {
    phrases.push_back(absl::StrCat(ObjectPhrase(o), " ", PositionPhrase(o, size)));
  }
  return absl::StrCat(objects.size(),
                      objects.size() == 1 ? " shape: " : " shapes: ", JoinWithAnd(phrases), ".");
}

std::string DocumentCaption(const Document& doc) {
  std::vector<std::string> quoted;
  for (const std::string& line : doc.lines) quoted.push_back(Quote(line));
  return absl::StrCat(
      "a document with ", doc.lines.size(),
      doc.lines.size() == 1 ? " line of text: " : " lines of text: ", JoinWithAnd(quoted), ".");
}

std::string ChartCaption(const Chart& chart) {
  std::vector<std::string> bars;
  for (const ChartBar& bar : chart.bars) bars.push_back(absl::StrCat(bar.label, " ", bar.value));
  return absl::StrCat("a bar chart of ", chart.title, " with ", chart.bars.size(),
                      " bars: ", JoinWithAnd(bars), ".");
}

}  // namespace

std::string ObjectPhrase(const SceneObject& o) {
  return absl::StrCat("a ", o.large ? "large " : "small ", kColors[o.color].name, " ",
                      ShapeName(o.shape));
}

std::string PositionName(const SceneObject& o, int size) {
  const int row = std::min(2, static_cast<int>(o.cy * 3 / size));
  const int col = std::min(2, static_cast<int>(o.cx * 3 / size));
  static constexpr absl::string_view kNames[3][3] = {{"top left", "top", "top right"},
                                                     {"left", "center", "right"},
                                                     {"bottom left", "bottom", "bottom right"}};
  return std::string(kNames[row][col]);
}

std::string PositionPhrase(const SceneObject& o, int size) {
  std::string name = PositionName(o, size);
  return name == "center" ? "in the center" : absl::StrCat("at the ", name);
}

std::string JoinWithAnd(const std::vector<std::string>& phrases) {
  if (phrases.empty()) return "";
  if (phrases.size() == 1) return phrases[0];
  return absl::StrCat(absl::StrJoin(phrases.begin(), phrases.end() - 1, ", "), " and ",
                      phrases.back());
}

std::string DenseCaption(const WorldImage& world) {
  switch (world.kind) {
    case WorldKind::kScene:
      return SceneCaption(world.scene.objects, world.scene.size);
    case WorldKind::kDocument:
      return DocumentCaption(world.document);
    case WorldKind::kChart:
      return ChartCaption(world.chart);
  }
  return "";
}

std::string HallucinatedCaption(const WorldImage& world, SynthRng* rng) {
  switch (world.kind) {
    case WorldKind::kScene: {
      std::vector<SceneObject> objects = world.scene.objects;
      SceneObject& victim = objects[rng->Uniform(static_cast<int>(objects.size()))];
      switch (rng->Uniform(3)) {
        case 0:  // wrong colour
          victim.color = (victim.color + 1 + rng->Uniform(kNumColors - 1)) % kNumColors;
          break;
        case 1:  // wrong shape
          victim.shape = static_cast<ShapeKind>(
              (static_cast<int>(victim.shape) + 1 + rng->Uniform(kNumShapes - 1)) % kNumShapes);
          break;
        default: {  // an extra object that is not there (the count is wrong too)
          SceneObject extra = victim;
          extra.color = rng->Uniform(kNumColors);
          extra.shape = static_cast<ShapeKind>(rng->Uniform(kNumShapes));
          extra.cx = world.scene.size - victim.cx;
          extra.cy = world.scene.size - victim.cy;
          objects.push_back(extra);
          break;
        }
      }
      return SceneCaption(objects, world.scene.size);
    }
    case WorldKind::kDocument: {
      Document doc = world.document;
      std::string& line = doc.lines[rng->Uniform(static_cast<int>(doc.lines.size()))];
      std::string word = rng->Pick(DocumentWords());
      while (line.find(word) != std::string::npos) word = rng->Pick(DocumentWords());
      line = absl::StrCat(word, " ", line);
      return DocumentCaption(doc);
    }
    case WorldKind::kChart: {
      Chart chart = world.chart;
      ChartBar& bar = chart.bars[rng->Uniform(static_cast<int>(chart.bars.size()))];
      bar.value = bar.value + 1 + rng->Uniform(5);
      return ChartCaption(chart);
    }
  }
  return "";
}

std::string AltText(const WorldImage& world, SynthRng* rng) {
  switch (world.kind) {
    case WorldKind::kScene: {
      const SceneObject& o = rng->Pick(world.scene.objects);
      const std::string color(kColors[o.color].name), shape(ShapeName(o.shape));
      switch (rng->Uniform(5)) {
        case 0:
          return absl::StrCat(color, " ", shape);
        case 1:
          return absl::StrCat("a ", shape);
        case 2:
          return absl::StrCat(color, " ", shape, " and other shapes");
        case 3:
          return world.scene.objects.size() == 1 ? "a shape" : "shapes";
        default:
          return absl::StrCat("picture with a ", color, " ", shape);
      }
    }
    case WorldKind::kDocument:
      switch (rng->Uniform(3)) {
        case 0:
          return "a page of text";
        case 1:
          return absl::StrCat("text starting with ", world.document.words.front().text);
        default:
          return "document";
      }
    case WorldKind::kChart:
      return rng->Bernoulli(0.5) ? "bar chart" : absl::StrCat("chart of ", world.chart.title);
  }
  return "";
}

}  // namespace vlmlab
