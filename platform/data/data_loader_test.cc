#include "platform/data/data_loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"
#include "platform/data/webdataset.h"

namespace vlmlab::data {
namespace {

struct SourceSpec {
  std::string name = "s";
  int64_t size = 40;
  bool shuffle = true;
  int fail_every = 0;  // get(i) fails when i % fail_every == fail_every - 1
  int long_every = 0;  // sample i puts 40 bytes of text before its image
  int sleep_ms = 0;    // per get
  std::atomic<int>* calls = nullptr;
};

std::unique_ptr<SampleSource> MakeSource(const SourceSpec& spec) {
  return std::make_unique<IndexedSource>(
      spec.name, spec.size,
      [spec](int64_t i) -> absl::StatusOr<Sample> {
        if (spec.calls != nullptr) ++*spec.calls;
        if (spec.sleep_ms > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(spec.sleep_ms));
        if (spec.fail_every > 0 && i % spec.fail_every == spec.fail_every - 1) {
          return absl::DataLossError(absl::StrCat(spec.name, " sample ", i, " is corrupt"));
        }
        Sample s;
        s.key = absl::StrCat(spec.name, "/", i);
        s.images.push_back(testing::TestImage(5 + i % 4, 6, static_cast<int>(i)));
        const bool long_prefix = spec.long_every > 0 && i % spec.long_every == 0;
        s.turns = {{Turn::kUser, std::string(long_prefix ? 40 : 0, 'p') + "<image>"},
                   {Turn::kAssistant, absl::StrCat("cap", std::string(i % 5, 'x'))}};
        return s;
      },
      spec.shuffle, /*seed=*/3);
}

std::unique_ptr<Mixture> MakeMixture(std::vector<SourceSpec> specs, bool cycle = true,
                                     uint64_t seed = 1) {
  std::vector<MixtureEntry> entries;
  for (size_t i = 0; i < specs.size(); ++i) {
    entries.push_back({MakeSource(specs[i]), 1.0 + static_cast<double>(i)});
  }
  return std::move(*Mixture::Create(std::move(entries), seed, cycle));
}

LoaderOptions Options(int workers, int64_t batch = 4) {
  LoaderOptions o;
  o.batch_size = batch;
  o.num_workers = workers;
  o.prefetch_batches = 2;
  o.image.size = 8;
  o.chat.layout.placeholders = 4;
  o.chat.layout.delimiters = true;
  return o;
}

std::vector<std::string> Keys(const Batch& b) {
  std::vector<std::string> keys;
  for (const Sample& s : b.samples) keys.push_back(s.key);
  return keys;
}

void ExpectSameBatch(const Batch& a, const Batch& b) {
  EXPECT_EQ(Keys(a), Keys(b));
  EXPECT_EQ(a.input_ids.ToInts(), b.input_ids.ToInts());
  EXPECT_EQ(a.labels.ToInts(), b.labels.ToInts());
  EXPECT_EQ(a.attention_mask.ToInts(), b.attention_mask.ToInts());
  EXPECT_EQ(a.images.ToVector(), b.images.ToVector());
  EXPECT_EQ(a.image_counts, b.image_counts);
}

Batch Take(DataLoader& loader) {
  absl::StatusOr<std::optional<Batch>> b = loader.Next();
  EXPECT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b.ok() && b->has_value());
  return b.ok() && b->has_value() ? std::move(**b) : Batch();
}

TEST(DataLoaderTest, BatchesDoNotDependOnTheWorkerCount) {
  testing::TestTokenizer tok;
  std::vector<std::unique_ptr<DataLoader>> loaders;
  for (int workers : {0, 1, 3}) {
    auto l = DataLoader::Create(MakeMixture({{"a"}, {"b"}}), &tok, Options(workers));
    ASSERT_TRUE(l.ok()) << l.status();
    loaders.push_back(std::move(*l));
  }
  for (int step = 0; step < 6; ++step) {
    Batch ref = Take(*loaders[0]);
    ASSERT_EQ(ref.size(), 4);
    EXPECT_EQ(ref.images.shape(), (Shape{4, 3, 8, 8}));
    EXPECT_EQ(ref.image_counts, (std::vector<int64_t>{1, 1, 1, 1}));
    for (size_t k = 1; k < loaders.size(); ++k) ExpectSameBatch(ref, Take(*loaders[k]));
  }
}

TEST(DataLoaderTest, BatchContentsMatchTheTemplate) {
  testing::TestTokenizer tok;
  LoaderOptions o = Options(2, 2);
  auto loader = DataLoader::Create(MakeMixture({{"a", 10, /*shuffle=*/false}}), &tok, o);
  Batch b = Take(**loader);
  EXPECT_EQ(Keys(b), (std::vector<std::string>{"a/0", "a/1"}));
  // a/0: BOS user [start img x4 end] assistant "cap" EOS = 13 tokens; a/1 has "capx": 14.
  EXPECT_EQ(b.input_ids.shape(), (Shape{2, 14}));
  std::vector<int32_t> ids = b.input_ids.ToInts(), mask = b.attention_mask.ToInts();
  EXPECT_EQ(ids[13], 300);  // pad
  EXPECT_EQ(mask[12], 1);
  EXPECT_EQ(mask[13], 0);
  EXPECT_EQ(mask[14 + 13], 1);
  std::vector<int32_t> labels = b.labels.ToInts();
  EXPECT_EQ(std::vector<int32_t>(labels.begin() + 8, labels.begin() + 14),
            (std::vector<int32_t>{'c', 'a', 'p', 302, -1, -1}));
}

TEST(DataLoaderTest, ResumesExactlyFromASavedPosition) {
  testing::TestTokenizer tok;
  auto specs = [] { return std::vector<SourceSpec>{{"a", 7}, {"b", 5, true, /*fail_every=*/4}}; };
  auto first = DataLoader::Create(MakeMixture(specs()), &tok, Options(2));
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 3; ++i) Take(**first);
  const std::string saved = (*first)->position().ToString();
  std::vector<Batch> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(Take(**first));
  EXPECT_GT((*first)->stats().skipped, 0);

  absl::StatusOr<MixturePosition> position = MixturePosition::Parse(saved);
  ASSERT_TRUE(position.ok());
  auto resumed = DataLoader::Create(MakeMixture(specs()), &tok, Options(3), &*position);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)->position().ToString(), saved);
  for (const Batch& want : expected) ExpectSameBatch(want, Take(**resumed));
}

TEST(DataLoaderTest, ResumesAWebDatasetStreamByReplay) {
  const std::string dir = testing::ScratchDir("loader_wds");
  for (int s = 0; s < 2; ++s) {
    std::vector<testing::TarEntry> entries;
    for (int k = 0; k < 9; ++k) {
      const int i = s * 9 + k;
      const std::string key = absl::StrFormat("%06d", i);
      entries.push_back({key + ".png", testing::TestPng(4, 4, i)});
      entries.push_back(
          {key + ".json", absl::StrCat(R"({"key": "w/)", i, R"(", "images": ["png"], "turns": [)",
                                       R"({"role": "user", "text": "<image>"},)",
                                       R"({"role": "assistant", "text": "c"}]})")});
    }
    testing::WriteFile(absl::StrFormat("%s/t-%d.tar", dir, s), testing::MakeTar(entries));
  }
  auto mixture = [&] {
    WebDatasetOptions w;
    w.shards = {dir + "/t-{0..1}.tar"};
    w.shuffle_buffer = 4;
    w.seed = 8;
    std::vector<MixtureEntry> e;
    e.push_back({std::move(*WebDatasetSource::Create(w)), 1.0});
    e.push_back({MakeSource({"a", 6}), 1.0});
    return std::move(*Mixture::Create(std::move(e), 2, true));
  };
  testing::TestTokenizer tok;
  auto first = DataLoader::Create(mixture(), &tok, Options(2, 3));
  for (int i = 0; i < 4; ++i) Take(**first);  // crosses a WebDataset epoch
  const MixturePosition saved = (*first)->position();
  std::vector<Batch> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(Take(**first));
  auto resumed = DataLoader::Create(mixture(), &tok, Options(1, 3), &saved);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  for (const Batch& want : expected) ExpectSameBatch(want, Take(**resumed));
}

TEST(DataLoaderTest, BadSamplesAreSkippedOrFatalWhenStrict) {
  testing::TestTokenizer tok;
  auto loader =
      DataLoader::Create(MakeMixture({{"a", 12, false, /*fail_every=*/3}}), &tok, Options(2));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Take(**loader).size(), 4);
  // 16 good samples: epoch 0 (indices 2, 5, 8, 11 fail) then epoch 1 up to index 10 (2, 5, 8).
  EXPECT_EQ((*loader)->stats().skipped, 7);
  EXPECT_EQ((*loader)->stats().samples, 16);

  LoaderOptions strict = Options(2);
  strict.strict = true;
  loader = DataLoader::Create(MakeMixture({{"a", 12, false, 3}}), &tok, strict);
  absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), ::testing::HasSubstr("a sample 2 is corrupt")) << b.status();
  EXPECT_EQ((*loader)->Next().status(), b.status());  // sticky
}

TEST(DataLoaderTest, AStrictWebDatasetMakesACorruptImageAnError) {
  // The PNG of sample 1 is truncated: it fails on a loader worker, not in the source.
  const std::string dir = testing::ScratchDir("loader_wds_strict");
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 4; ++i) {
    const std::string key = absl::StrFormat("%06d", i);
    std::string png = testing::TestPng(4, 4, i);
    if (i == 1) png.resize(png.size() / 2);
    entries.push_back({key + ".png", png});
    entries.push_back(
        {key + ".json", absl::StrCat(R"({"key": "w/)", i, R"(", "images": ["png"], "turns": [)",
                                     R"({"role": "user", "text": "<image>"},)",
                                     R"({"role": "assistant", "text": "c"}]})")});
  }
  testing::WriteFile(dir + "/s.tar", testing::MakeTar(entries));
  auto loader_for = [&](bool strict) {
    WebDatasetOptions w;
    w.shards = {dir + "/s.tar"};
    w.shuffle_buffer = 0;
    w.strict = strict;
    std::vector<MixtureEntry> e;
    e.push_back({std::move(*WebDatasetSource::Create(w)), 1.0});
    testing::TestTokenizer tok;
    // The loader's own strict stays false.
    auto loader = DataLoader::Create(std::move(*Mixture::Create(std::move(e), 1, false)), &tok,
                                     Options(2, 2));
    int64_t rows = 0;
    if (!loader.ok()) return std::make_tuple(rows, loader.status(), int64_t{-1});
    absl::Status status;
    while (true) {
      absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
      if (!b.ok()) {
        status = b.status();
        break;
      }
      if (!b->has_value()) break;
      rows += (*b)->size();
    }
    return std::make_tuple(rows, status, (*loader)->stats().skipped);
  };
  auto [lenient_rows, lenient_status, lenient_skipped] = loader_for(false);
  EXPECT_TRUE(lenient_status.ok()) << lenient_status;
  EXPECT_EQ(lenient_rows, 3);
  EXPECT_EQ(lenient_skipped, 1);
  auto [strict_rows, strict_status, strict_skipped] = loader_for(true);
  ASSERT_FALSE(strict_status.ok());
  EXPECT_THAT(strict_status.message(), ::testing::HasSubstr("000001")) << strict_status;
  EXPECT_THAT(strict_status.message(), ::testing::HasSubstr("strict")) << strict_status;
  EXPECT_EQ(strict_skipped, 0);
}

TEST(DataLoaderTest, ImagesThatDoNotFitAreDroppedAndCounted) {
  testing::TestTokenizer tok;
  LoaderOptions o = Options(2);
  o.chat.max_length = 20;  // the 40-byte prefix pushes the image past it
  auto loader = DataLoader::Create(MakeMixture({{"a", 10, false, 0, /*long_every=*/5}}), &tok, o);
  Batch b = Take(**loader);
  EXPECT_EQ(Keys(b), (std::vector<std::string>{"a/1", "a/2", "a/3", "a/4"}));
  Take(**loader);
  EXPECT_EQ((*loader)->stats().dropped_too_long, 2);  // a/0 and a/5

  // If nothing fits, the loader says so instead of searching forever.
  o.max_consecutive_failures = 50;
  loader = DataLoader::Create(MakeMixture({{"a", 10, false, 0, /*long_every=*/1}}), &tok, o);
  absl::Status s = (*loader)->Next().status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("the last 50 samples all failed")) << s;
}

TEST(DataLoaderTest, FiniteStreamsEndWithAShortBatch) {
  testing::TestTokenizer tok;
  for (bool drop_last : {false, true}) {
    LoaderOptions o = Options(2);
    o.drop_last = drop_last;
    auto loader = DataLoader::Create(MakeMixture({{"a", 6}, {"b", 4}}, /*cycle=*/false), &tok, o);
    std::vector<int64_t> sizes;
    while (true) {
      absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
      ASSERT_TRUE(b.ok());
      if (!b->has_value()) break;
      sizes.push_back((*b)->size());
    }
    const std::vector<int64_t> want =
        drop_last ? std::vector<int64_t>{4, 4} : std::vector<int64_t>{4, 4, 2};
    EXPECT_EQ(sizes, want);
    EXPECT_FALSE((*loader)->Next()->has_value());
  }
}

TEST(DataLoaderTest, PrefetchRunsAheadButStaysBounded) {
  testing::TestTokenizer tok;
  std::atomic<int> calls{0};
  SourceSpec spec{"a", 100};
  spec.calls = &calls;
  auto loader = DataLoader::Create(MakeMixture({spec}), &tok, Options(2));  // window: 2 x 4
  for (int i = 0; i < 200 && calls < 8; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(calls.load(), 8);  // materialised before anyone asked, and no more
  Take(**loader);
  for (int i = 0; i < 200 && calls < 12; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(calls.load(), 12);
}

TEST(DataLoaderTest, ShutdownIsPromptWithWorkInFlight) {
  testing::TestTokenizer tok;
  SourceSpec slow{"slow", 1000};
  slow.sleep_ms = 30;
  for (bool take_one : {false, true}) {
    auto loader = DataLoader::Create(MakeMixture({slow}), &tok, Options(3));
    ASSERT_TRUE(loader.ok());
    if (take_one) Take(**loader);
    const auto start = std::chrono::steady_clock::now();
    loader->reset();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 1.0);  // finishes the samples in progress (30 ms), abandons the rest
  }
}

// A source whose 6th draw fails (e.g. a shard it cannot read in strict mode).
class BrokenSource : public SampleSource {
 public:
  std::string name() const override { return "broken"; }
  absl::StatusOr<std::optional<SampleTask>> Next() override {
    if (++position_.drawn > 5) return absl::UnavailableError("broken: disk went away");
    return std::optional<SampleTask>([]() -> absl::StatusOr<Sample> {
      Sample s;
      s.turns = {{Turn::kUser, "hi"}, {Turn::kAssistant, "yo"}};
      return s;
    });
  }
  absl::Status Seek(const SourcePosition& p) override {
    position_ = p;
    return absl::OkStatus();
  }
  SourcePosition position() const override { return position_; }

 private:
  SourcePosition position_;
};

TEST(DataLoaderTest, SourceErrorsReachTheConsumer) {
  testing::TestTokenizer tok;
  for (int workers : {0, 2}) {
    std::vector<MixtureEntry> e;
    e.push_back({std::make_unique<BrokenSource>(), 1.0});
    auto loader =
        DataLoader::Create(std::move(*Mixture::Create(std::move(e), 0)), &tok, Options(workers));
    Batch text_only = Take(**loader);  // text-only samples work
    EXPECT_FALSE(text_only.images.defined());
    absl::Status s = (*loader)->Next().status();
    EXPECT_TRUE(absl::IsUnavailable(s)) << s;
    EXPECT_EQ((*loader)->Next().status(), s);
  }
}

TEST(DataLoaderTest, PreferencePairsAndTextOnlySamples) {
  testing::TestTokenizer tok;
  auto pref_source = [] {
    return std::make_unique<IndexedSource>(
        "p", 6,
        [](int64_t i) -> absl::StatusOr<Sample> {
          Sample s;
          s.key = absl::StrCat("p/", i);
          s.images.push_back(testing::TestImage(4, 4, static_cast<int>(i)));
          s.turns = {{Turn::kUser, "<image>"}, {Turn::kAssistant, "unused"}};
          if (i % 3 != 2) s.preference = PreferenceAnnotation{"<image>say", "yes", "no"};
          return s;
        },
        false, 0);
  };
  LoaderOptions o = Options(2, 2);
  o.preference_pairs = true;
  std::vector<MixtureEntry> e;
  e.push_back({pref_source(), 1.0});
  auto loader = DataLoader::Create(std::move(*Mixture::Create(std::move(e), 0)), &tok, o);
  Batch b = Take(**loader);
  EXPECT_EQ(Keys(b), (std::vector<std::string>{"p/0", "p/0", "p/1", "p/1"}));
  EXPECT_EQ(b.image_counts, (std::vector<int64_t>{1, 1, 1, 1}));
  ASSERT_EQ(b.input_ids.size(0), 4);
  // Rows: BOS user [start img x4 end] 's' 'a' 'y' assistant answer EOS; chosen "yes" and
  // rejected "no" differ only in the answer.
  const int64_t t = b.input_ids.size(1);
  std::vector<int32_t> ids = b.input_ids.ToInts();
  EXPECT_EQ(ids[12], 'y');
  EXPECT_EQ(ids[t + 12], 'n');
  Take(**loader);
  EXPECT_EQ((*loader)->stats().skipped_no_preference, 1);  // p/2
  EXPECT_EQ((*loader)->stats().samples, 4);

  // Text-only: about half the samples lose their image and its tokens, deterministically.
  LoaderOptions text = Options(2, 8);
  text.text_only_fraction = 0.5f;
  text.seed = 4;
  auto a = DataLoader::Create(MakeMixture({{"a", 40}}), &tok, text);
  auto same = DataLoader::Create(MakeMixture({{"a", 40}}), &tok, text);
  int64_t without = 0;
  for (int i = 0; i < 5; ++i) {
    Batch x = Take(**a);
    ExpectSameBatch(x, Take(**same));
    std::vector<int32_t> ids = x.input_ids.ToInts();
    for (int64_t r = 0; r < x.size(); ++r) {
      const bool has_image_token = std::count(ids.begin() + r * x.input_ids.size(1),
                                              ids.begin() + (r + 1) * x.input_ids.size(1), 303) > 0;
      EXPECT_EQ(has_image_token, x.image_counts[r] == 1);
      without += x.image_counts[r] == 0;
    }
  }
  EXPECT_GT(without, 8);
  EXPECT_LT(without, 32);
}

// Samples of 11 + extras[i % n] tokens (BOS user [start img x4 end] assistant "c" + extra x's
// EOS), in index order, one image each.
std::unique_ptr<Mixture> LengthMixture(std::vector<int> extras, int64_t size, bool cycle = true) {
  std::vector<MixtureEntry> entries;
  entries.push_back(
      {std::make_unique<IndexedSource>(
           "p", size,
           [extras](int64_t i) -> absl::StatusOr<Sample> {
             Sample s;
             s.key = absl::StrCat("p/", i);
             s.images.push_back(testing::TestImage(4, 4, static_cast<int>(i)));
             s.turns = {{Turn::kUser, "<image>"},
                        {Turn::kAssistant, "c" + std::string(extras[i % extras.size()], 'x')}};
             return s;
           },
           /*shuffle=*/false, /*seed=*/3),
       1.0});
  return std::move(*Mixture::Create(std::move(entries), 1, cycle));
}

LoaderOptions PackingOptions(int workers, int64_t rows, int64_t max_length) {
  LoaderOptions o = Options(workers, rows);
  o.packing = true;
  o.chat.max_length = max_length;
  return o;
}

// Sample keys per row, from the segment ids.
std::vector<std::vector<std::string>> RowKeys(const Batch& b) {
  std::vector<std::vector<std::string>> rows(b.rows());
  std::vector<int32_t> seg = b.segment_ids.ToInts();
  const int64_t t = b.input_ids.size(1);
  for (int64_t i = 0; i < static_cast<int64_t>(seg.size()); ++i) {
    if (seg[i] < 0 || (i % t > 0 && seg[i - 1] == seg[i])) continue;
    rows[i / t].push_back(b.samples[seg[i]].key);
  }
  return rows;
}

// Real tokens in each row.
std::vector<int64_t> RowLengths(const Batch& b) {
  std::vector<int64_t> rows(b.rows(), 0);
  std::vector<int32_t> m = b.attention_mask.ToInts();
  for (size_t j = 0; j < m.size(); ++j) rows[j / b.input_ids.size(1)] += m[j];
  return rows;
}

TEST(DataLoaderTest, PacksSamplesFirstFitIntoRowsOfMaxLength) {
  testing::TestTokenizer tok;
  // Lengths 20, 18, 12, 25, 15, 11, then again; rows of 32 tokens, 2 rows per batch.
  auto loader =
      DataLoader::Create(LengthMixture({9, 7, 1, 14, 4, 0}, 12), &tok, PackingOptions(2, 2, 32));
  ASSERT_TRUE(loader.ok()) << loader.status();
  Batch b = Take(**loader);
  // p/1 (18) does not fit row 0 after p/0 (20) and opens row 1; p/2 (12) fills row 0 (first
  // fit); p/3 (25) fits no row and waits for the next batch.
  EXPECT_EQ(RowKeys(b), (std::vector<std::vector<std::string>>{{"p/0", "p/2"}, {"p/1"}}));
  EXPECT_EQ(Keys(b), (std::vector<std::string>{"p/0", "p/2", "p/1"}));  // order of appearance
  EXPECT_TRUE(b.packed);
  EXPECT_EQ(b.input_ids.shape(), (Shape{2, 32}));
  EXPECT_EQ(b.image_counts, (std::vector<int64_t>{1, 1, 1}));
  std::vector<int32_t> pos = b.positions.ToInts(), seg = b.segment_ids.ToInts();
  EXPECT_EQ(pos[19], 19);
  EXPECT_EQ(pos[20], 0);  // p/2 starts at position 0
  EXPECT_EQ(seg[20], 1);
  EXPECT_EQ(seg[32 + 17], 2);
  EXPECT_EQ(seg[32 + 18], -1);  // padding
  EXPECT_EQ((*loader)->position().ToString(), "step=3;0=0/3");
  b = Take(**loader);
  EXPECT_EQ(RowKeys(b), (std::vector<std::vector<std::string>>{{"p/3"}, {"p/4", "p/5"}}));
  EXPECT_EQ(b.input_ids.shape(), (Shape{2, 26}));  // the longest row
  const LoaderStats st = (*loader)->stats();
  EXPECT_EQ(st.samples, 6);
  EXPECT_EQ(st.real_tokens, 20 + 18 + 12 + 25 + 15 + 11);
  EXPECT_EQ(st.batch_tokens, 2 * 32 + 2 * 26);
  EXPECT_NEAR(st.padding_fraction(), 1.0 - 101.0 / 116.0, 1e-12);
}

TEST(DataLoaderTest, PackedBatchesDoNotDependOnWorkersAndResumeExactly) {
  testing::TestTokenizer tok;
  auto specs = [] { return std::vector<SourceSpec>{{"a", 7}, {"b", 5, true, /*fail_every=*/4}}; };
  auto first = DataLoader::Create(MakeMixture(specs()), &tok, PackingOptions(2, 2, 40));
  auto inline_loader = DataLoader::Create(MakeMixture(specs()), &tok, PackingOptions(0, 2, 40));
  ASSERT_TRUE(first.ok() && inline_loader.ok());
  for (int i = 0; i < 3; ++i) ExpectSameBatch(Take(**first), Take(**inline_loader));
  const std::string saved = (*first)->position().ToString();
  std::vector<Batch> expected;
  for (int i = 0; i < 6; ++i) {
    expected.push_back(Take(**first));
    ExpectSameBatch(expected.back(), Take(**inline_loader));
    EXPECT_TRUE(expected.back().packed);
    for (int64_t n : RowLengths(expected.back())) EXPECT_LE(n, 40);
  }
  EXPECT_GT((*first)->stats().skipped, 0);

  absl::StatusOr<MixturePosition> position = MixturePosition::Parse(saved);
  ASSERT_TRUE(position.ok());
  auto resumed =
      DataLoader::Create(MakeMixture(specs()), &tok, PackingOptions(3, 2, 40), &*position);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  for (const Batch& want : expected) {
    Batch got = Take(**resumed);
    ExpectSameBatch(want, got);
    EXPECT_EQ(want.segment_ids.ToInts(), got.segment_ids.ToInts());
    EXPECT_EQ(want.positions.ToInts(), got.positions.ToInts());
  }
  EXPECT_EQ((*resumed)->position().ToString(), (*first)->position().ToString());
}

TEST(DataLoaderTest, PackedFiniteStreamsDeliverTheWaitingSample) {
  testing::TestTokenizer tok;
  for (bool drop_last : {false, true}) {
    LoaderOptions o = PackingOptions(1, 2, 32);
    o.drop_last = drop_last;
    // Lengths 20, 18, 12, 25, 15: {p/0 p/2 | p/1}, {p/3 | p/4}; nothing is lost or repeated.
    auto loader = DataLoader::Create(LengthMixture({9, 7, 1, 14, 4}, 5, /*cycle=*/false), &tok, o);
    std::vector<std::string> keys;
    while (true) {
      absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
      ASSERT_TRUE(b.ok()) << b.status();
      if (!b->has_value()) break;
      for (const std::string& k : Keys(**b)) keys.push_back(k);
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"p/0", "p/2", "p/1", "p/3", "p/4"}));
  }
  // A last batch of fewer rows than batch_size is short: dropped with drop_last.
  LoaderOptions o = PackingOptions(1, 2, 32);
  o.drop_last = true;
  auto loader = DataLoader::Create(LengthMixture({9, 7, 1, 14}, 4, false), &tok, o);
  EXPECT_EQ(Take(**loader).size(), 3);
  EXPECT_FALSE((*loader)->Next()->has_value());  // {p/3} alone is one row of two
}

TEST(DataLoaderTest, BadOptions) {
  testing::TestTokenizer tok;
  LoaderOptions o = Options(1);
  o.batch_size = 0;
  EXPECT_FALSE(DataLoader::Create(MakeMixture({{"a"}}), &tok, o).ok());
  o = Options(1);
  o.image.size = -3;
  EXPECT_FALSE(DataLoader::Create(MakeMixture({{"a"}}), &tok, o).ok());
  EXPECT_FALSE(DataLoader::Create(MakeMixture({{"a"}}), nullptr, Options(1)).ok());
  o = Options(1);
  o.packing = true;  // without chat.max_length, the row length
  absl::Status s = DataLoader::Create(MakeMixture({{"a"}}), &tok, o).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("packing needs chat.max_length")) << s;
  o.chat.max_length = 64;
  o.preference_pairs = true;
  s = DataLoader::Create(MakeMixture({{"a"}}), &tok, o).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("packing cannot be combined with preference_pairs"))
      << s;
  MixturePosition wrong;
  wrong.sources = {{0, 0}, {0, 0}};
  EXPECT_FALSE(DataLoader::Create(MakeMixture({{"a"}}), &tok, Options(1), &wrong).ok());
}

}  // namespace
}  // namespace vlmlab::data
