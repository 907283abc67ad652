// SampleSource: one dataset as the loader sees it, a stream of samples split into a cheap serial
// part (deciding which sample comes next) and an expensive part that may run on any thread
// (reading files, decoding images): Next() returns a SampleTask that does the latter.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::optional<SampleTask> task, source.Next());
//   if (!task) { /* end of this epoch */ }
//   absl::StatusOr<Sample> sample = (*task)();   // on a worker thread
//
// A source iterates in epochs; epoch e's order depends only on (seed, e). Its position is
// (epoch, samples drawn in that epoch), and Seek() restores one: random-access sources jump
// there, streams replay the draws without decoding. Drawn counts include samples whose task
// later fails, so positions are exact whatever fails.
//
// IndexedSource adapts any random-access collection (the synthetic world, the COCO and VQAv2
// readers) given its size and a function that materialises element i.
#ifndef VLMLAB_PLATFORM_DATA_SAMPLE_SOURCE_H_
#define VLMLAB_PLATFORM_DATA_SAMPLE_SOURCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/data/sample.h"

namespace vlmlab::data {

using SampleTask = std::function<absl::StatusOr<Sample>()>;

struct SourcePosition {
  int64_t epoch = 0;
  int64_t drawn = 0;  // samples drawn (tasks returned) in this epoch
  bool operator==(const SourcePosition& o) const { return epoch == o.epoch && drawn == o.drawn; }
};

// What a source passed over before producing tasks (bad tar members, unreadable shards,
// malformed index records). Failures of tasks themselves are counted by whoever runs them.
struct SourceStats {
  int64_t skipped = 0;
};

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Names the source in messages and positions, e.g. "webdataset(shard-{000..009}.tar)".
  virtual std::string name() const = 0;
  // The next sample of this epoch, or nullopt at its end. Serial: not thread-safe.
  virtual absl::StatusOr<std::optional<SampleTask>> Next() = 0;
  // Restarts at `position` (its epoch's order, `drawn` samples in).
  virtual absl::Status Seek(const SourcePosition& position) = 0;
  virtual SourcePosition position() const = 0;
  virtual SourceStats stats() const { return {}; }
  // Whether a sample of this source that fails later, on a loader worker (an image that does
  // not decode, a member that does not parse), must end the stream instead of being skipped.
  virtual bool strict() const { return false; }
};

// Runs tasks one after the other: the next sample that materialises, skipping (and counting in
// `*skipped`, with a warning) failed ones unless `strict`. nullopt at the end of the epoch.
absl::StatusOr<std::optional<Sample>> NextSample(SampleSource& source, bool strict = false,
                                                 int64_t* skipped = nullptr);

// The permutation of [0, n) used for epoch `epoch` of a source seeded with `seed`
// (Fisher-Yates over a counter-based stream: identical on every platform).
std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch);

// A random-access collection as a source: epoch e visits indices in EpochPermutation order
// when `shuffle`, else 0..size-1.
class IndexedSource : public SampleSource {
 public:
  // `get(i)` materialises element i; it is called from worker threads, concurrently.
  // `stats` reports what was skipped while building the index.
  IndexedSource(std::string name, int64_t size, std::function<absl::StatusOr<Sample>(int64_t)> get,
                bool shuffle, uint64_t seed, SourceStats stats = {});

  std::string name() const override { return name_; }
  absl::StatusOr<std::optional<SampleTask>> Next() override;
  absl::Status Seek(const SourcePosition& position) override;
  SourcePosition position() const override { return position_; }
  SourceStats stats() const override { return stats_; }
  int64_t size() const { return size_; }
  // Materialises element `index` directly (random access, any thread).
  absl::StatusOr<Sample> Get(int64_t index) const;

 private:
  std::string name_;
  int64_t size_;
  // Shared with the tasks, which may outlive a Seek (not the source).
  std::shared_ptr<const std::function<absl::StatusOr<Sample>(int64_t)>> get_;
  bool shuffle_;
  uint64_t seed_;
  SourceStats stats_;
  SourcePosition position_;
  std::vector<int64_t> order_;  // this epoch's permutation (empty when not shuffling)
};

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_SAMPLE_SOURCE_H_
