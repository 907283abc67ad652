#include "platform/data/webdataset.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "glog/logging.h"
#include "platform/data/sample_json.h"
#include "platform/image/codec.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::data {
namespace {

// One brace group's alternatives.
absl::StatusOr<std::vector<std::string>> BraceAlternatives(absl::string_view body,
                                                           absl::string_view pattern,
                                                           int64_t max_results) {
  std::vector<std::string> out;
  size_t dots = body.find("..");
  if (dots != absl::string_view::npos && body.find(',') == absl::string_view::npos) {
    absl::string_view lo = body.substr(0, dots), hi = body.substr(dots + 2);
    int64_t a = 0, b = 0;
    if (lo.empty() || hi.empty() || !absl::SimpleAtoi(lo, &a) || !absl::SimpleAtoi(hi, &b) ||
        a < 0 || b < 0 || lo.size() > 18 || hi.size() > 18) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard pattern \"", pattern, "\": range {", body,
                       "} needs two non-negative integers, e.g. {000..099}"));
    }
    if (a > b) {
      return absl::InvalidArgumentError(absl::StrCat("shard pattern \"", pattern, "\": range {",
                                                     body, "} is descending; write {", hi, "..", lo,
                                                     "}"));
    }
    if (b - a >= max_results) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shard pattern \"", pattern, "\" expands to more than ", max_results, " names"));
    }
    const size_t width = lo.size();
    for (int64_t v = a; v <= b; ++v) {
      std::string s = absl::StrCat(v);
      if (s.size() < width) s.insert(0, width - s.size(), '0');
      out.push_back(std::move(s));
    }
    return out;
  }
  for (absl::string_view alt : absl::StrSplit(body, ',')) out.emplace_back(alt);
  return out;
}

const std::string* FindMember(const RawSample& raw, absl::string_view ext) {
  for (const auto& [e, data] : raw.members) {
    if (e == ext) return &data;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ExpandBraces(absl::string_view pattern,
                                                      int64_t max_results) {
  std::vector<std::string> results = {""};
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '}') {
      return absl::InvalidArgumentError(
          absl::StrCat("shard pattern \"", pattern, "\": unmatched '}' at character ", i));
    }
    if (c != '{') {
      size_t j = pattern.find_first_of("{}", i);
      if (j == absl::string_view::npos) j = pattern.size();
      for (std::string& r : results) r.append(pattern.data() + i, j - i);
      i = j;
      continue;
    }
    size_t close = pattern.find('}', i);
    size_t nested = pattern.find('{', i + 1);
    if (close == absl::string_view::npos || (nested != absl::string_view::npos && nested < close)) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard pattern \"", pattern, "\": '{' at character ", i,
                       " has no matching '}' (nested braces are not supported)"));
    }
    absl::StatusOr<std::vector<std::string>> alts =
        BraceAlternatives(pattern.substr(i + 1, close - i - 1), pattern, max_results);
    if (!alts.ok()) return alts.status();
    if (static_cast<int64_t>(results.size()) * static_cast<int64_t>(alts->size()) > max_results) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shard pattern \"", pattern, "\" expands to more than ", max_results, " names"));
    }
    std::vector<std::string> next;
    next.reserve(results.size() * alts->size());
    for (const std::string& r : results) {
      for (const std::string& a : *alts) next.push_back(r + a);
    }
    results = std::move(next);
    i = close + 1;
  }
  return results;
}

std::pair<std::string, std::string> SplitTarKey(absl::string_view name) {
  const size_t slash = name.rfind('/');
  const size_t base = slash == absl::string_view::npos ? 0 : slash + 1;
  const size_t dot = name.find('.', base);
  if (dot == absl::string_view::npos) return {std::string(name), ""};
  return {std::string(name.substr(0, dot)), std::string(name.substr(dot + 1))};
}

absl::StatusOr<Sample> DecodeRawSample(const RawSample& raw, int image_channels) {
  const std::string label = absl::StrCat(raw.shard, ": sample \"", raw.key, "\"");
  auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": ", what));
  };
  if (!raw.problem.empty()) return error(raw.problem);
  Sample sample;
  std::vector<std::string> refs;
  if (const std::string* json = FindMember(raw, "json"); json != nullptr) {
    absl::Status parsed = ParseSampleJson(*json, {}, &sample, &refs);
    if (!parsed.ok()) return error(absl::StrCat(raw.key, ".json: ", parsed.message()));
  } else {
    // Web-crawl layout: KEY.txt caption + one image.
    const std::string* txt = FindMember(raw, "txt");
    for (const char* ext : {"jpg", "jpeg", "png"}) {
      if (FindMember(raw, ext) != nullptr) {
        refs = {ext};
        break;
      }
    }
    if (txt == nullptr || refs.empty()) {
      std::vector<std::string> exts;
      for (const auto& m : raw.members) exts.push_back(m.first);
      return error(absl::StrCat("no ", raw.key,
                                ".json member (members: ", absl::StrJoin(exts, ", "),
                                "); a sample needs KEY.json, or KEY.txt with KEY.jpg/png"));
    }
    sample.key = raw.key;
    sample.task = "caption";
    sample.captions = {*txt};
    sample.turns = {{Turn::kUser, kImagePlaceholder}, {Turn::kAssistant, *txt}};
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    const std::string* bytes = FindMember(raw, refs[i]);
    if (bytes == nullptr) {
      return error(absl::StrCat("no member ", raw.key, ".", refs[i], " (named by images[", i,
                                "] of ", raw.key, ".json)"));
    }
    absl::StatusOr<Image> image = DecodeImage(*bytes, image_channels);
    if (!image.ok()) {
      return error(absl::StrCat(raw.key, ".", refs[i], ": ", image.status().message()));
    }
    sample.images.push_back(std::move(*image));
  }
  sample.source = absl::StrCat(raw.shard, ":", raw.key);
  return sample;
}

WebDatasetSource::WebDatasetSource(WebDatasetOptions options, std::vector<std::string> shards)
    : options_(std::move(options)), shards_(std::move(shards)) {
  StartEpoch(0);
}

absl::StatusOr<std::unique_ptr<WebDatasetSource>> WebDatasetSource::Create(
    const WebDatasetOptions& options) {
  if (options.shards.empty()) {
    return absl::InvalidArgumentError("webdataset: no shards given; list at least one shard path");
  }
  if (options.shuffle_buffer < 0) {
    return absl::InvalidArgumentError("webdataset: shuffle_buffer must be >= 0");
  }
  std::vector<std::string> shards;
  for (const std::string& pattern : options.shards) {
    absl::StatusOr<std::vector<std::string>> expanded = ExpandBraces(pattern);
    if (!expanded.ok()) return expanded.status();
    shards.insert(shards.end(), expanded->begin(), expanded->end());
  }
  return std::unique_ptr<WebDatasetSource>(new WebDatasetSource(options, std::move(shards)));
}

std::string WebDatasetSource::name() const {
  return absl::StrCat("webdataset(", absl::StrJoin(options_.shards, ","), ")");
}

void WebDatasetSource::StartEpoch(int64_t epoch) {
  order_ = shards_;
  if (options_.shuffle_buffer > 0) {
    std::vector<int64_t> perm =
        EpochPermutation(static_cast<int64_t>(shards_.size()), options_.seed, epoch);
    for (size_t i = 0; i < perm.size(); ++i) order_[i] = shards_[perm[i]];
  }
  next_shard_ = 0;
  tar_.reset();
  pending_.reset();
  buffer_.clear();
  rng_.seed(Mix64(options_.seed ^ Mix64(static_cast<uint64_t>(epoch) * 2 + 1)));
  position_ = SourcePosition{epoch, 0};
}

absl::Status WebDatasetSource::Skip(absl::Status problem) {
  if (options_.strict) {
    return absl::Status(problem.code(),
                        absl::StrCat(problem.message(), " (strict: set strict false to skip)"));
  }
  if (!replaying_) {
    ++stats_.skipped;
    LOG(WARNING) << "webdataset: skipping: " << problem.message();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RawSample>> WebDatasetSource::NextGroup() {
  RawSample group;
  bool have = false;
  while (true) {
    if (!pending_) {
      if (tar_ == nullptr) {
        if (next_shard_ >= order_.size()) break;
        const std::string& path = order_[next_shard_++];
        absl::StatusOr<std::unique_ptr<TarReader>> tar = TarReader::Open(path, options_.tar);
        if (!tar.ok()) {
          if (absl::Status s = Skip(tar.status()); !s.ok()) return s;
          continue;
        }
        tar_ = std::move(*tar);
      }
      absl::StatusOr<std::optional<TarMember>> member = tar_->Next();
      if (!member.ok()) {
        if (absl::Status s = Skip(member.status()); !s.ok()) return s;
        continue;
      }
      if (!member->has_value()) {
        tar_.reset();
        if (have) return std::optional<RawSample>(std::move(group));  // never spans shards
        continue;
      }
      pending_ = std::move(**member);
    }
    auto [key, ext] = SplitTarKey(pending_->name);
    const size_t slash = key.rfind('/');
    if (key.empty() || slash == key.size() - 1) {
      absl::Status bad = absl::DataLossError(
          absl::StrCat(tar_->label(), ": member \"", pending_->name, "\" at byte ",
                       pending_->offset, " has no key (its file name starts with a dot)"));
      pending_.reset();
      if (absl::Status s = Skip(bad); !s.ok()) return s;
      continue;
    }
    if (have && key != group.key) return std::optional<RawSample>(std::move(group));
    if (!have) {
      group.shard = tar_->label();
      group.key = key;
      have = true;
    }
    if (FindMember(group, ext) != nullptr && group.problem.empty()) {
      group.problem = absl::StrCat("member ", pending_->name, " appears twice");
    }
    group.members.emplace_back(std::move(ext), std::move(pending_->data));
    pending_.reset();
  }
  if (have) return std::optional<RawSample>(std::move(group));
  return std::optional<RawSample>();
}

absl::StatusOr<std::optional<RawSample>> WebDatasetSource::NextRaw() {
  if (options_.shuffle_buffer <= 0) return NextGroup();
  while (static_cast<int64_t>(buffer_.size()) < options_.shuffle_buffer) {
    absl::StatusOr<std::optional<RawSample>> group = NextGroup();
    if (!group.ok()) return group.status();
    if (!group->has_value()) break;
    buffer_.push_back(std::move(**group));
  }
  if (buffer_.empty()) return std::optional<RawSample>();
  const size_t j = rng_() % buffer_.size();
  std::swap(buffer_[j], buffer_.back());
  RawSample out = std::move(buffer_.back());
  buffer_.pop_back();
  return std::optional<RawSample>(std::move(out));
}

absl::StatusOr<std::optional<SampleTask>> WebDatasetSource::Next() {
  absl::StatusOr<std::optional<RawSample>> raw = NextRaw();
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<SampleTask>();
  ++position_.drawn;
  auto shared = std::make_shared<const RawSample>(std::move(**raw));
  const int channels = options_.image_channels;
  SampleTask task = [shared, channels]() { return DecodeRawSample(*shared, channels); };
  return std::optional<SampleTask>(std::move(task));
}

absl::Status WebDatasetSource::Seek(const SourcePosition& position) {
  if (position.epoch < 0 || position.drawn < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name(), ": negative position"));
  }
  StartEpoch(position.epoch);
  replaying_ = true;
  for (int64_t i = 0; i < position.drawn; ++i) {
    absl::StatusOr<std::optional<RawSample>> raw = NextRaw();
    if (!raw.ok() || !raw->has_value()) {
      replaying_ = false;
      StartEpoch(position.epoch);
      if (!raw.ok()) return raw.status();
      return absl::OutOfRangeError(absl::StrCat(
          name(), ": cannot resume at sample ", position.drawn, " of epoch ", position.epoch,
          ": the shards hold only ", i, " (were they changed since the position was saved?)"));
    }
  }
  replaying_ = false;
  position_ = position;
  return absl::OkStatus();
}

}  // namespace vlmlab::data
