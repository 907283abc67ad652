// Drawing one image of the world for a split. An image belongs to split (hash of its pixels)
// % 3: train, val, test. Descriptions are sampled from a seed and rendered, and images of
// other splits are rejected and redrawn (three renders per image on average). The partition
// depends on the pixels alone, not on seeds or options, so no image can appear in two splits,
// whatever seeds or settings the splits were generated with.
//
//   absl::StatusOr<WorldImage> w = DrawWorldImage(config, WorldKind::kScene, seed);
//   std::string json = WorldImageJson(*w).dump();
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_WORLD_IMAGE_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_WORLD_IMAGE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "platform/data/synth/synth_config.h"
#include "platform/data/synth/world.h"

namespace vlmlab {

SynthSplit SplitOfContent(uint64_t content_id);
// The content hash of an image: its geometry and pixels.
uint64_t PixelHash(const Image& image);

// Samples descriptions of `kind` from `seed` until one belongs to config.split, then renders
// it at config.image_size.
absl::StatusOr<WorldImage> DrawWorldImage(const SynthConfig& config, WorldKind kind, uint64_t seed);

// The description as JSON (docs/data.md, "meta written by the synthetic world").
nlohmann::json WorldImageJson(const WorldImage& world);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_WORLD_IMAGE_H_
