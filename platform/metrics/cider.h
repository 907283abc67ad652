// CIDEr-D exactly as coco-caption's CiderScorer (the "CIDEr" it reports is CIDEr-D): n = 1..4,
// TF-IDF vectors with idf = log(N) - log(max(1, df)), where df counts the images whose
// references contain the n-gram and N is the number of images evaluated; per n, the cosine
// between candidate and each reference with the candidate's weights clipped by the
// reference's (min(c, r) * r), times exp(-delta^2 / (2 sigma^2)) with delta the difference in
// bigram counts (the scorer's `length`); averaged over n and over references, times 10.
// A zero norm leaves the numerator undivided (it is then 0), as the scorer does.
//
// Degenerate case: with one image, every reference n-gram has df = 1 = N, so every weight is
// log(1) - log(1) = 0 and CIDEr-D is 0 for any candidate; the official code gives 0 too.
//
//   CiderD cider(examples);
//   std::vector<double> per_image = cider.Scores();   // corpus score: their mean
//   double resampled = cider.Mean(indices);           // df recomputed on the resampled corpus
#ifndef VLMLAB_PLATFORM_METRICS_CIDER_H_
#define VLMLAB_PLATFORM_METRICS_CIDER_H_

#include <cstdint>
#include <vector>

#include "platform/metrics/caption_example.h"

namespace vlmlab::metrics {

class CiderD {
 public:
  explicit CiderD(const std::vector<CaptionExample>& examples, double sigma = 6.0);

  // Per-image scores when the corpus is examples[indices] (a repeated index is a repeated
  // image: it counts again in the document frequencies and in N).
  std::vector<double> Scores(const std::vector<size_t>& indices) const;
  std::vector<double> Scores() const;
  // The corpus score: the mean of Scores(indices); 0 for an empty corpus.
  double Mean(const std::vector<size_t>& indices) const;
  double Mean() const;

  size_t size() const { return examples_.size(); }

 private:
  struct Term {
    int32_t id;     // interned n-gram
    int32_t order;  // 0..3
    double count;
  };
  struct Sentence {
    std::vector<Term> terms;  // sorted by id
    double bigrams = 0;       // the scorer's `length`
  };
  struct Example {
    Sentence candidate;
    std::vector<Sentence> references;
    std::vector<int32_t> reference_ngrams;  // distinct ids over all references
  };
  // Document frequencies of one corpus (a resample), and log(k) for k = 0..N.
  struct Frequencies {
    std::vector<int32_t> df;  // per interned n-gram
    std::vector<double> log_table;
    double log_n = 0;
  };

  double ScoreOne(const Example& ex, const Frequencies& f, std::vector<double>* cand_weights) const;

  double sigma_;
  size_t num_ngrams_ = 0;
  std::vector<Example> examples_;
};

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_CIDER_H_
