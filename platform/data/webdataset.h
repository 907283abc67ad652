// WebDataset reader: samples streamed from tar shards, where a sample is the run of consecutive
// members sharing a key (the member path up to the first dot of its file name; the rest is the
// extension). KEY.json follows docs/data.md "WebDataset sample JSON"; images are decoded from
// the members its "images" list names. Shards without KEY.json but with KEY.txt and one image
// (KEY.jpg / .jpeg / .png) read as caption pairs, the common web-crawl layout.
//
//   WebDatasetOptions o;
//   o.shards = {"/data/train-{000000..000009}.tar"};
//   o.shuffle_buffer = 1000;
//   VLMLAB_ASSIGN_OR_RETURN(auto source, WebDatasetSource::Create(o));
//   absl::StatusOr<std::optional<Sample>> s = NextSample(*source);
//
// Order: epoch e reads the shards in an order shuffled by (seed, e) when shuffle_buffer > 0,
// then draws samples at random from a buffer of `shuffle_buffer` decoded-later samples. Bad
// input (unreadable shard, corrupt tar member, key without a name) is skipped with a warning
// naming the shard and key and counted in stats(); with `strict` it is an error instead. The
// tasks fail (and the loader skips or fails likewise) on missing or invalid JSON, missing
// image members and undecodable images.
#ifndef VLMLAB_PLATFORM_DATA_WEBDATASET_H_
#define VLMLAB_PLATFORM_DATA_WEBDATASET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/data/sample_source.h"
#include "platform/data/tar_reader.h"

namespace vlmlab::data {

// Expands brace ranges and lists: "s-{000..002}.tar" -> s-000.tar s-001.tar s-002.tar (the
// width of the first bound is kept), "{a,b}-{0..1}" -> a-0 a-1 b-0 b-1. Errors on unbalanced
// braces, descending or non-numeric ranges, or more than `max_results` names.
absl::StatusOr<std::vector<std::string>> ExpandBraces(absl::string_view pattern,
                                                      int64_t max_results = 1000000);

// Splits a member name into key and extension at the first dot of its file name:
// "dir/000123.seg.png" -> {"dir/000123", "seg.png"}.
std::pair<std::string, std::string> SplitTarKey(absl::string_view name);

struct WebDatasetOptions {
  std::vector<std::string> shards;  // paths or brace patterns
  int64_t shuffle_buffer = 1000;    // 0 = shard order, member order
  uint64_t seed = 0;
  bool strict = false;
  int image_channels = 3;  // DecodeImage conversion (0 keeps the file's)
  TarReaderOptions tar;
};

// The members of one sample before decoding.
struct RawSample {
  std::string shard;
  std::string key;
  std::vector<std::pair<std::string, std::string>> members;  // extension, bytes
  std::string problem;  // set when grouping found something wrong (duplicate extension)
};

// Decodes a RawSample into a Sample (the work of the tasks WebDatasetSource returns).
absl::StatusOr<Sample> DecodeRawSample(const RawSample& raw, int image_channels);

class WebDatasetSource : public SampleSource {
 public:
  static absl::StatusOr<std::unique_ptr<WebDatasetSource>> Create(const WebDatasetOptions& options);

  std::string name() const override;
  absl::StatusOr<std::optional<SampleTask>> Next() override;
  absl::Status Seek(const SourcePosition& position) override;
  SourcePosition position() const override { return position_; }
  SourceStats stats() const override { return stats_; }
  bool strict() const override { return options_.strict; }
  const std::vector<std::string>& shard_paths() const { return shards_; }

  // The next raw sample (no decoding), nullopt at the end of the epoch.
  absl::StatusOr<std::optional<RawSample>> NextRaw();

 private:
  explicit WebDatasetSource(WebDatasetOptions options, std::vector<std::string> shards);
  void StartEpoch(int64_t epoch);
  // The next group of members from the shards in order, nullopt when all are read.
  absl::StatusOr<std::optional<RawSample>> NextGroup();
  // Counts and reports a skipped item; in strict mode returns it as the error.
  absl::Status Skip(absl::Status problem);

  WebDatasetOptions options_;
  std::vector<std::string> shards_;  // expanded
  SourcePosition position_;
  SourceStats stats_;
  bool replaying_ = false;  // Seek() replays draws: no warnings for what was reported before

  // Epoch state.
  std::vector<std::string> order_;  // shard order of this epoch
  size_t next_shard_ = 0;
  std::unique_ptr<TarReader> tar_;
  std::optional<TarMember> pending_;  // first member of the next group
  std::vector<RawSample> buffer_;
  std::mt19937_64 rng_;
};

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_WEBDATASET_H_
