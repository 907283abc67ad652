// Documents: a few lines of words rendered in DejaVu Sans at a size proportional to the image,
// so reading them takes resolution (at 64 px the text is ~5 px high; at 384 px, ~29 px), and
// bar charts with a title, a value above each bar and a label below it. Rendering records the
// ink box of every word and the box of every bar.
//
//   SynthRng rng(seed);
//   Document doc = SampleDocument(256, &rng).value();
//   Image img = RenderDocument(&doc).value();   // fills doc.words[i].bbox
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_DOCUMENT_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_DOCUMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "platform/data/synth/synth_random.h"
#include "platform/data/synth/world.h"

namespace vlmlab {

// Fails only when the font cannot be loaded.
absl::StatusOr<Document> SampleDocument(int size, SynthRng* rng);
absl::StatusOr<Image> RenderDocument(Document* document);

Chart SampleChart(int size, SynthRng* rng);
absl::StatusOr<Image> RenderChart(Chart* chart);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_DOCUMENT_H_
