// Captions of world images: a dense "synthetic" caption naming everything in reading order
// with the count first, and a short, partial "alt-text" caption like those scraped from the
// web.
//
//   DenseCaption(w)  // "3 shapes: a large red circle at the top left, a small blue square at
//                    //  the top right and a large green star at the bottom."
//   AltText(w, &rng) // "red circle"
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_CAPTIONS_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_CAPTIONS_H_

#include <string>
#include <vector>

#include "platform/data/synth/synth_random.h"
#include "platform/data/synth/world.h"

namespace vlmlab {

// "a large red circle"
std::string ObjectPhrase(const SceneObject& object);
// "top left", "top", "center", ... from the object's centre in thirds of the image.
std::string PositionName(const SceneObject& object, int size);
// "at the top left", "in the center"
std::string PositionPhrase(const SceneObject& object, int size);
// Joins phrases as "a", "a and b", "a, b and c".
std::string JoinWithAnd(const std::vector<std::string>& phrases);

std::string DenseCaption(const WorldImage& world);
// A dense caption with one hallucinated change (a colour, shape or count that is wrong, or an
// object that is not there); what a preference pair rejects.
std::string HallucinatedCaption(const WorldImage& world, SynthRng* rng);
std::string AltText(const WorldImage& world, SynthRng* rng);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_CAPTIONS_H_
