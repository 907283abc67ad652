// Scenes of shapes: sampling a description (1..max_objects shapes in distinct cells of a grid,
// so shapes never touch and reading order is well defined) and rendering it.
//
//   SynthRng rng(seed);
//   Scene scene = SampleScene(/*size=*/64, /*max_objects=*/4, &rng);
//   Image img = RenderScene(scene, content_id);
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_SCENE_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_SCENE_H_

#include <string>

#include "platform/data/synth/synth_random.h"
#include "platform/data/synth/world.h"

namespace vlmlab {

// Cells per side for a scene holding up to `max_objects` (at least 3, so one shape can sit in
// any of nine places).
int SceneGrid(int max_objects);
Scene SampleScene(int size, int max_objects, SynthRng* rng);
// Appends the bytes that identify the scene (its hash seeds the background texture).
void AppendSceneKey(const Scene& scene, std::string* key);
// `texture_seed` only varies the background texture's noise.
Image RenderScene(const Scene& scene, uint64_t texture_seed);
void DrawShape(Image* image, ShapeKind shape, float cx, float cy, float radius, Rgb color);
// Fills the image with a background colour and texture.
void DrawBackground(Image* image, Rgb background, Texture texture, uint64_t texture_seed);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_SCENE_H_
