#include "plugins/evaluators/zero_shot_scoring.h"

namespace vlmlab {
namespace {

double Dot(const float* a, const float* b, int64_t dim) {
  double s = 0;
  for (int64_t i = 0; i < dim; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace

std::vector<int> NearestClass(const std::vector<float>& images, const std::vector<float>& classes,
                              int64_t dim) {
  const int64_t n = dim > 0 ? images.size() / dim : 0, k = dim > 0 ? classes.size() / dim : 0;
  std::vector<int> out(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    double best = 0;
    for (int64_t c = 0; c < k; ++c) {
      const double s = Dot(&images[i * dim], &classes[c * dim], dim);
      if (out[i] < 0 || s > best) {
        best = s;
        out[i] = static_cast<int>(c);
      }
    }
  }
  return out;
}

RetrievalRanks PairRanks(const std::vector<float>& images, const std::vector<float>& texts,
                         int64_t dim) {
  const int64_t n = dim > 0 ? images.size() / dim : 0;
  std::vector<double> sim(n * n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) sim[i * n + j] = Dot(&images[i * dim], &texts[j * dim], dim);
  }
  RetrievalRanks r;
  r.image_to_text.assign(n, 0);
  r.text_to_image.assign(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      r.image_to_text[i] += sim[i * n + j] > sim[i * n + i];
      r.text_to_image[i] += sim[j * n + i] > sim[i * n + i];
    }
  }
  return r;
}

}  // namespace vlmlab
