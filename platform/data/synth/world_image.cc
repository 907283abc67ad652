#include "platform/data/synth/world_image.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/data/synth/document.h"
#include "platform/data/synth/scene.h"
#include "platform/data/synth/synth_random.h"

namespace vlmlab {
namespace {

// Descriptions tried before giving up (each belongs to the wanted split with chance 1/3).
constexpr int kMaxAttempts = 200;

nlohmann::json BoxJson(const TextBox& b) { return {b.x0, b.y0, b.x1, b.y1}; }

}  // namespace

absl::string_view WorldKindName(WorldKind kind) {
  switch (kind) {
    case WorldKind::kScene:
      return "scene";
    case WorldKind::kDocument:
      return "document";
    case WorldKind::kChart:
      return "chart";
  }
  return "unknown";
}

SynthSplit SplitOfContent(uint64_t content_id) { return static_cast<SynthSplit>(content_id % 3); }

uint64_t PixelHash(const Image& image) {
  uint64_t h = DeriveSeed({static_cast<uint64_t>(image.width), static_cast<uint64_t>(image.height),
                           static_cast<uint64_t>(image.channels)});
  const uint8_t* p = image.pixels.data();
  const size_t n = image.pixels.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    h = (h ^ word) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return Mix64(h);
}

absl::StatusOr<WorldImage> DrawWorldImage(const SynthConfig& config, WorldKind kind,
                                          uint64_t seed) {
  WorldImage world;
  world.kind = kind;
  std::string key;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SynthRng rng(DeriveSeed({seed, static_cast<uint64_t>(attempt)}));
    key.clear();
    switch (kind) {
      case WorldKind::kScene:
        world.scene = SampleScene(config.image_size, config.max_objects, &rng);
        AppendSceneKey(world.scene, &key);
        world.image = RenderScene(world.scene, HashBytes(key));
        break;
      case WorldKind::kDocument: {
        VLMLAB_ASSIGN_OR_RETURN(world.document, SampleDocument(config.image_size, &rng));
        VLMLAB_ASSIGN_OR_RETURN(world.image, RenderDocument(&world.document));
        break;
      }
      case WorldKind::kChart: {
        world.chart = SampleChart(config.image_size, &rng);
        VLMLAB_ASSIGN_OR_RETURN(world.image, RenderChart(&world.chart));
        break;
      }
    }
    world.content_id = PixelHash(world.image);
    if (SplitOfContent(world.content_id) == config.split) return world;
  }
  return absl::InternalError(absl::StrCat("synthetic world: no ", WorldKindName(kind), " of split ",
                                          SynthSplitName(config.split), " found in ", kMaxAttempts,
                                          " draws from seed ", seed));
}

nlohmann::json WorldImageJson(const WorldImage& world) {
  nlohmann::json j;
  j["kind"] = std::string(WorldKindName(world.kind));
  j["width"] = world.image.width;
  j["height"] = world.image.height;
  switch (world.kind) {
    case WorldKind::kScene: {
      nlohmann::json objects = nlohmann::json::array();
      for (const SceneObject& o : world.scene.objects) {
        objects.push_back({{"shape", std::string(ShapeName(o.shape))},
                           {"color", std::string(kColors[o.color].name)},
                           {"size", o.large ? "large" : "small"},
                           {"cx", o.cx},
                           {"cy", o.cy},
                           {"bbox", BoxJson(o.bbox)}});
      }
      j["objects"] = objects;
      break;
    }
    case WorldKind::kDocument: {
      j["lines"] = world.document.lines;
      nlohmann::json words = nlohmann::json::array();
      for (const DocumentWord& w : world.document.words) {
        words.push_back({{"text", w.text}, {"line", w.line}, {"bbox", BoxJson(w.bbox)}});
      }
      j["words"] = words;
      break;
    }
    case WorldKind::kChart: {
      j["title"] = world.chart.title;
      nlohmann::json bars = nlohmann::json::array();
      for (const ChartBar& b : world.chart.bars) {
        bars.push_back({{"label", b.label}, {"value", b.value}, {"bbox", BoxJson(b.bbox)}});
      }
      j["bars"] = bars;
      break;
    }
  }
  return j;
}

}  // namespace vlmlab
