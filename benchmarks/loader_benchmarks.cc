// Data loader benchmarks: 64 x 64 PNG images through decode, preprocessing (CLIP statistics,
// padded to 64 or 224), the chat template (byte tokenizer, 64 placeholders with delimiters) and
// batching at batch 32, reporting samples/s (items_per_second). The stages alone come first;
// the loader runs with 0 workers (all on the calling thread) and with 2 prefetch workers, over
// in-memory PNG bytes and over WebDataset shards on disk. BM_LoaderPadOrPack compares padded
// and packed batches of varied-length captions (padding_fraction, tokens_per_batch).
//
//   bazel run -c opt //benchmarks:loader_benchmarks
//   bazel run -c opt //benchmarks:loader_benchmarks -- --benchmark_filter=Loader
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "glog/logging.h"
#include "platform/data/batch.h"
#include "platform/data/data_loader.h"
#include "platform/data/image_preprocess.h"
#include "platform/data/mixture.h"
#include "platform/data/webdataset.h"
#include "platform/image/codec.h"
#include "platform/spec/tokenizers.pb.h"
#include "plugins/tokenizers/byte_tokenizer.h"

namespace vlmlab::data {
namespace {

constexpr int kSide = 64;
constexpr int kBatch = 32;
constexpr int kImages = 256;

Image Picture(int seed) {
  Image img(kSide, kSide, 3);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      uint8_t* p = img.at(x, y);
      p[0] = static_cast<uint8_t>(x * 4 + seed);
      p[1] = static_cast<uint8_t>(y * 4 + seed * 7);
      p[2] = static_cast<uint8_t>(((x / 8 + y / 8) % 2) * 200 + seed);
    }
  }
  return img;
}

const std::vector<std::string>& Pngs() {
  static const auto* pngs = [] {
    auto* v = new std::vector<std::string>();
    for (int i = 0; i < kImages; ++i) v->push_back(*EncodePng(Picture(i)));
    return v;
  }();
  return *pngs;
}

const Tokenizer& Tok() {
  static const ByteTokenizer* tok = new ByteTokenizer(ByteTokenizerOptions());
  return *tok;
}

std::string Caption(int i) { return absl::StrCat("a picture of pattern number ", i); }

LoaderOptions Options(int workers, int size) {
  LoaderOptions o;
  o.batch_size = kBatch;
  o.num_workers = workers;
  o.prefetch_batches = 4;
  o.image.size = size;
  o.image.norm = Normalization::Clip();
  o.chat.layout.placeholders = 64;
  o.chat.layout.delimiters = true;
  return o;
}

void BM_DecodePng(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    absl::StatusOr<Image> img = DecodeImage(Pngs()[i++ % kImages], 3);
    CHECK(img.ok());
    benchmark::DoNotOptimize(img->pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePng);

void BM_Preprocess(benchmark::State& state) {
  ImagePreprocessOptions o;
  o.size = static_cast<int>(state.range(0));
  const Image img = Picture(1);
  for (auto _ : state) {
    absl::StatusOr<PreprocessedImage> p = PreprocessImage(img, o);
    CHECK(p.ok());
    benchmark::DoNotOptimize(p->pixels.data<float>());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Preprocess)->Arg(64)->Arg(224);

void BM_ChatTemplate(benchmark::State& state) {
  const std::vector<Turn> turns = {{Turn::kUser, "<image>"}, {Turn::kAssistant, Caption(7)}};
  ChatTemplateOptions o = Options(0, 64).chat;
  for (auto _ : state) {
    absl::StatusOr<TokenizedSample> t =
        ApplyChatTemplate(turns, std::vector<ImageGrid>(1), Tok(), o);
    CHECK(t.ok());
    benchmark::DoNotOptimize(t->input_ids.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChatTemplate);

// In-memory PNG bytes: decode happens in the tasks. `varied`: sample i's caption is repeated
// 1 + i % 6 times (about 100 to 250 tokens), so batches need padding.
std::unique_ptr<Mixture> MemoryMixture(bool varied = false) {
  std::vector<MixtureEntry> e;
  e.push_back({std::make_unique<IndexedSource>(
                   "pngs", kImages,
                   [varied](int64_t i) -> absl::StatusOr<Sample> {
                     Sample s;
                     s.key = absl::StrCat(i);
                     absl::StatusOr<Image> img = DecodeImage(Pngs()[i], 3);
                     if (!img.ok()) return img.status();
                     s.images.push_back(std::move(*img));
                     const std::string base = Caption(static_cast<int>(i));
                     std::string caption = base;
                     for (int r = 0; varied && r < i % 6; ++r) caption += " " + base;
                     s.turns = {{Turn::kUser, "<image>"}, {Turn::kAssistant, caption}};
                     return s;
                   },
                   /*shuffle=*/true, /*seed=*/1),
               1.0});
  return std::move(*Mixture::Create(std::move(e), 0));
}

// Arguments: workers, output side.
void BM_LoaderMemory(benchmark::State& state) {
  auto loader = DataLoader::Create(
      MemoryMixture(), &Tok(),
      Options(static_cast<int>(state.range(0)), static_cast<int>(state.range(1))));
  CHECK(loader.ok()) << loader.status();
  for (auto _ : state) {
    absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
    CHECK(b.ok() && b->has_value());
    benchmark::DoNotOptimize((*b)->images.data<float>());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["padding_fraction"] = (*loader)->stats().padding_fraction();
}
BENCHMARK(BM_LoaderMemory)
    ->Args({0, 64})
    ->Args({2, 64})
    ->Args({0, 224})
    ->Args({2, 224})
    ->UseRealTime();

// Captions of varied length, 2 workers, 64 px, rows of up to 1024 tokens: padded (arg 0,
// batch 32 samples) against packed (arg 1, batch 8 rows). items_per_second is samples/s;
// padding_fraction the share of batch tokens that are padding, tokens_per_batch the real
// tokens of a batch.
void BM_LoaderPadOrPack(benchmark::State& state) {
  LoaderOptions o = Options(2, 64);
  o.chat.max_length = 1024;
  o.packing = state.range(0) != 0;
  if (o.packing) o.batch_size = 8;
  auto loader = DataLoader::Create(MemoryMixture(/*varied=*/true), &Tok(), o);
  CHECK(loader.ok()) << loader.status();
  for (auto _ : state) {
    absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
    CHECK(b.ok() && b->has_value());
    benchmark::DoNotOptimize((*b)->images.data<float>());
  }
  const LoaderStats st = (*loader)->stats();
  state.SetItemsProcessed(st.samples);
  state.counters["padding_fraction"] = st.padding_fraction();
  state.counters["tokens_per_batch"] =
      static_cast<double>(st.real_tokens) / std::max<int64_t>(1, st.batches);
}
BENCHMARK(BM_LoaderPadOrPack)->Arg(0)->Arg(1)->UseRealTime();

// WebDataset shards written once to a temporary directory, removed at exit.
struct TempDir {
  std::string path = absl::StrCat("/tmp/vlmlab_loader_bench_", ::getpid());
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

const std::string& ShardPattern() {
  static TempDir temp;
  static const std::string* pattern = [] {
    const std::string& dir = temp.path;
    std::filesystem::create_directories(dir);
    for (int s = 0; s < 4; ++s) {
      std::string tar;
      auto add = [&](const std::string& name, const std::string& data) {
        std::string h(512, '\0');
        std::snprintf(h.data(), 100, "%s", name.c_str());
        std::snprintf(h.data() + 100, 8, "%07o", 0644);
        std::snprintf(h.data() + 124, 12, "%011llo", static_cast<unsigned long long>(data.size()));
        std::snprintf(h.data() + 136, 12, "%011o", 0);
        h[156] = '0';
        std::memcpy(h.data() + 257, "ustar", 6);
        std::memset(h.data() + 148, ' ', 8);
        unsigned sum = 0;
        for (unsigned char c : h) sum += c;
        std::snprintf(h.data() + 148, 8, "%06o", sum);
        tar += h + data + std::string((512 - data.size() % 512) % 512, '\0');
      };
      for (int k = 0; k < kImages / 4; ++k) {
        const int i = s * kImages / 4 + k;
        const std::string key = absl::StrFormat("%06d", i);
        add(key + ".png", Pngs()[i]);
        add(key + ".json",
            absl::StrCat(R"({"key": ")", key, R"(", "images": ["png"], "turns": [)",
                         R"({"role": "user", "text": "<image>"}, {"role": "assistant", "text": ")",
                         Caption(i), R"("}]})"));
      }
      tar += std::string(1024, '\0');
      std::FILE* f = std::fopen(absl::StrFormat("%s/b-%d.tar", dir, s).c_str(), "wb");
      CHECK(f != nullptr);
      std::fwrite(tar.data(), 1, tar.size(), f);
      std::fclose(f);
    }
    return new std::string(dir + "/b-{0..3}.tar");
  }();
  return *pattern;
}

void BM_LoaderWebDataset(benchmark::State& state) {
  WebDatasetOptions w;
  w.shards = {ShardPattern()};
  w.shuffle_buffer = 100;
  std::vector<MixtureEntry> e;
  e.push_back({std::move(*WebDatasetSource::Create(w)), 1.0});
  auto loader = DataLoader::Create(std::move(*Mixture::Create(std::move(e), 0)), &Tok(),
                                   Options(static_cast<int>(state.range(0)), 64));
  CHECK(loader.ok()) << loader.status();
  for (auto _ : state) {
    absl::StatusOr<std::optional<Batch>> b = (*loader)->Next();
    CHECK(b.ok() && b->has_value());
    benchmark::DoNotOptimize((*b)->images.data<float>());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_LoaderWebDataset)->Arg(0)->Arg(2)->UseRealTime();

}  // namespace
}  // namespace vlmlab::data

BENCHMARK_MAIN();
