// The arithmetic of zero-shot evaluation on embeddings (unit rows, row-major [N, E]):
// classification by the nearest class prompt, and the rank of each pair's partner in
// image-text retrieval. Kept apart from the evaluator so it is tested on constructed
// embeddings with a known answer.
//
//   std::vector<int> pred = NearestClass(images, classes, dim);     // argmax_k image . class_k
//   RetrievalRanks r = PairRanks(images, texts, dim);              // r.image_to_text[i] = 0: top 1
#ifndef VLMLAB_PLUGINS_EVALUATORS_ZERO_SHOT_SCORING_H_
#define VLMLAB_PLUGINS_EVALUATORS_ZERO_SHOT_SCORING_H_

#include <cstdint>
#include <vector>

namespace vlmlab {

// For each row of `images` [N, dim], the index of the row of `classes` [K, dim] with the
// largest dot product (the first on ties).
std::vector<int> NearestClass(const std::vector<float>& images, const std::vector<float>& classes,
                              int64_t dim);

// Row i of `images` and row i of `texts` are a pair. image_to_text[i] counts the texts scoring
// strictly higher with image i than its own text (0 = retrieved first); text_to_image[i] the
// images scoring strictly higher with text i than its own image. Identical captions embed
// identically and tie, so a duplicate of the right caption never pushes it down.
struct RetrievalRanks {
  std::vector<int64_t> image_to_text;
  std::vector<int64_t> text_to_image;
};
RetrievalRanks PairRanks(const std::vector<float>& images, const std::vector<float>& texts,
                         int64_t dim);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_EVALUATORS_ZERO_SHOT_SCORING_H_
