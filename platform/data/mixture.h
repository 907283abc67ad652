// Mixture: several sample sources interleaved by weight, deterministically: draw k takes the
// source picked by a counter-based uniform of (seed, k) over the weights, so the sequence of
// sources depends only on the seed and weights, never on timing or threads.
//
//   std::vector<MixtureEntry> parts;
//   parts.push_back({std::move(coco), 3.0});
//   parts.push_back({std::move(vqa), 1.0});
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<Mixture> mix, Mixture::Create(std::move(parts), seed));
//   VLMLAB_ASSIGN_OR_RETURN(std::optional<Mixture::Draw> d, mix->Next());
//   MixturePosition p = mix->position();          // save with a checkpoint: p.ToString()
//   VLMLAB_RETURN_IF_ERROR(other_mix->Seek(p));    // a restarted run continues exactly here
//
// With `cycle` (training) a source that reaches the end of an epoch starts its next epoch; the
// mixture never ends. Without it (evaluation) an exhausted source leaves the mixture and the
// weights of the others are renormalised; the mixture ends when all are exhausted.
#ifndef VLMLAB_PLATFORM_DATA_MIXTURE_H_
#define VLMLAB_PLATFORM_DATA_MIXTURE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/data/sample_source.h"

namespace vlmlab::data {

struct MixtureEntry {
  std::unique_ptr<SampleSource> source;
  double weight = 1.0;
};

struct MixturePosition {
  int64_t step = 0;                     // draws made
  std::vector<SourcePosition> sources;  // per source
  std::vector<bool> exhausted;          // per source (non-cycling mixtures)

  bool operator==(const MixturePosition& o) const {
    return step == o.step && sources == o.sources && exhausted == o.exhausted;
  }
  // "step=12;0=1/34;1=0/5!" (source=epoch/drawn, "!" exhausted); Parse reads it back.
  std::string ToString() const;
  static absl::StatusOr<MixturePosition> Parse(absl::string_view text);
};

class Mixture {
 public:
  struct Draw {
    SampleTask task;
    int source = 0;       // index of the source it came from
    bool strict = false;  // that source's strict(): a failing task is an error, not a skip
  };

  static absl::StatusOr<std::unique_ptr<Mixture>> Create(std::vector<MixtureEntry> entries,
                                                         uint64_t seed, bool cycle = true);

  // The next draw, or nullopt when a non-cycling mixture is exhausted. A source error is
  // returned as is (prefixed with the source's name).
  absl::StatusOr<std::optional<Draw>> Next();
  MixturePosition position() const;
  // Restores a position saved from a mixture of the same sources (checked by count).
  absl::Status Seek(const MixturePosition& position);

  int num_sources() const { return static_cast<int>(entries_.size()); }
  SampleSource& source(int i) { return *entries_[i].source; }
  const SampleSource& source(int i) const { return *entries_[i].source; }

 private:
  Mixture(std::vector<MixtureEntry> entries, uint64_t seed, bool cycle);
  int Pick() const;  // the source for draw `step_` among the active ones

  std::vector<MixtureEntry> entries_;
  uint64_t seed_;
  bool cycle_;
  int64_t step_ = 0;
  std::vector<bool> exhausted_;
};

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_MIXTURE_H_
