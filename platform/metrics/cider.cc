#include "platform/metrics/cider.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "platform/metrics/ngram.h"

namespace vlmlab::metrics {

CiderD::CiderD(const std::vector<CaptionExample>& examples, double sigma) : sigma_(sigma) {
  absl::flat_hash_map<std::string, int32_t> ids;
  auto make_sentence = [&](const std::vector<std::string>& tokens) {
    Sentence s;
    for (const auto& [ngram, count] : CountNgrams(tokens, 4)) {
      auto [it, inserted] = ids.try_emplace(ngram, static_cast<int32_t>(ids.size()));
      const int32_t order = NgramOrder(ngram) - 1;
      s.terms.push_back({it->second, order, static_cast<double>(count)});
      if (order == 1) s.bigrams += count;
    }
    std::sort(s.terms.begin(), s.terms.end(),
              [](const Term& a, const Term& b) { return a.id < b.id; });
    return s;
  };
  examples_.reserve(examples.size());
  for (const CaptionExample& in : examples) {
    Example ex;
    ex.candidate = make_sentence(in.candidate);
    for (const auto& ref : in.references) {
      ex.references.push_back(make_sentence(ref));
      for (const Term& t : ex.references.back().terms) ex.reference_ngrams.push_back(t.id);
    }
    std::sort(ex.reference_ngrams.begin(), ex.reference_ngrams.end());
    ex.reference_ngrams.erase(std::unique(ex.reference_ngrams.begin(), ex.reference_ngrams.end()),
                              ex.reference_ngrams.end());
    examples_.push_back(std::move(ex));
  }
  num_ngrams_ = ids.size();
}

double CiderD::ScoreOne(const Example& ex, const Frequencies& f,
                        std::vector<double>* cand_weights) const {
  if (ex.references.empty()) return 0;
  // tf * idf with idf = log N - log(max(1, df)); the table holds log(k), and 0 for k = 0.
  auto weight = [&f](const Term& t) { return t.count * (f.log_n - f.log_table[f.df[t.id]]); };
  const std::vector<Term>& a = ex.candidate.terms;
  cand_weights->clear();
  double cand_norm[4] = {0, 0, 0, 0};
  for (const Term& t : a) {
    cand_weights->push_back(weight(t));
    cand_norm[t.order] += cand_weights->back() * cand_weights->back();
  }
  for (double& n : cand_norm) n = std::sqrt(n);
  double total[4] = {0, 0, 0, 0};
  for (const Sentence& ref_sentence : ex.references) {
    const std::vector<Term>& b = ref_sentence.terms;
    double ref_norm[4] = {0, 0, 0, 0};
    for (const Term& t : b) {
      const double w = weight(t);
      ref_norm[t.order] += w * w;
    }
    for (double& n : ref_norm) n = std::sqrt(n);
    double val[4] = {0, 0, 0, 0};
    // Both term lists are sorted by id: a merge finds the shared n-grams (the others add 0).
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (a[i].id < b[j].id) {
        ++i;
      } else if (b[j].id < a[i].id) {
        ++j;
      } else {
        const double ref_weight = weight(b[j]);
        val[a[i].order] += std::min((*cand_weights)[i], ref_weight) * ref_weight;
        ++i;
        ++j;
      }
    }
    const double delta = ex.candidate.bigrams - ref_sentence.bigrams;
    const double penalty = std::exp(-(delta * delta) / (2 * sigma_ * sigma_));
    for (int n = 0; n < 4; ++n) {
      if (cand_norm[n] != 0 && ref_norm[n] != 0) val[n] /= cand_norm[n] * ref_norm[n];
      total[n] += val[n] * penalty;
    }
  }
  const double mean_over_n = (total[0] + total[1] + total[2] + total[3]) / 4;
  return mean_over_n / static_cast<double>(ex.references.size()) * 10.0;
}

std::vector<double> CiderD::Scores(const std::vector<size_t>& indices) const {
  Frequencies f;
  f.df.assign(num_ngrams_, 0);
  for (size_t i : indices) {
    for (int32_t id : examples_[i].reference_ngrams) ++f.df[id];
  }
  f.log_n = std::log(static_cast<double>(indices.size()));
  f.log_table.resize(indices.size() + 1);
  f.log_table[0] = 0;
  for (size_t k = 1; k < f.log_table.size(); ++k) f.log_table[k] = std::log(static_cast<double>(k));
  std::vector<double> scores, scratch;
  scores.reserve(indices.size());
  for (size_t i : indices) scores.push_back(ScoreOne(examples_[i], f, &scratch));
  return scores;
}

std::vector<double> CiderD::Scores() const {
  std::vector<size_t> all(examples_.size());
  std::iota(all.begin(), all.end(), 0);
  return Scores(all);
}

double CiderD::Mean(const std::vector<size_t>& indices) const {
  if (indices.empty()) return 0;
  const std::vector<double> s = Scores(indices);
  return std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
}

double CiderD::Mean() const {
  std::vector<size_t> all(examples_.size());
  std::iota(all.begin(), all.end(), 0);
  return Mean(all);
}

}  // namespace vlmlab::metrics
