// Splits share no images: checked by hashing the pixels of everything each split generates,
// on a deliberately small world (8-pixel images, one object) where unrelated seeds do draw the
// same image again and again.
#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "platform/data/synth/generator.h"
#include "platform/data/synth/scene.h"
#include "platform/data/synth/synth_random.h"
#include "platform/data/synth/world_image.h"

namespace vlmlab {
namespace {

uint64_t Fingerprint(const Image& img) {
  return HashBytes(
      absl::string_view(reinterpret_cast<const char*>(img.pixels.data()), img.pixels.size()));
}

// Pixel hashes of every image of `n` samples, and the (image, question) pairs.
// Returns how many images there were, duplicates included.
int Collect(const SynthConfig& c, int n, std::set<uint64_t>* images,
            std::set<std::pair<uint64_t, std::string>>* questions) {
  int total = 0;
  for (int i = 0; i < n; ++i) {
    Sample s = GenerateSample(c, i).value();
    total += s.images.size();
    for (const Image& img : s.images) images->insert(Fingerprint(img));
    if (s.vqa) questions->insert({Fingerprint(s.images[0]), s.vqa->question});
  }
  return total;
}

template <typename T>
size_t Shared(const std::set<T>& a, const std::set<T>& b) {
  size_t n = 0;
  for (const T& x : a) n += b.count(x);
  return n;
}

TEST(SplitTest, SplitsShareNoImagesOrQuestions) {
  std::set<uint64_t> images[3];
  std::set<std::pair<uint64_t, std::string>> questions[3];
  int totals[3];
  for (int split = 0; split < 3; ++split) {
    SynthConfig c;
    c.tasks = {SynthTask::kVqa, SynthTask::kOcr, SynthTask::kCaption, SynthTask::kInterleaved};
    c.image_size = 8;
    c.max_objects = 1;
    c.num_images = 1500;
    c.split = static_cast<SynthSplit>(split);
    c.world_seed = 100 + split;  // even unrelated seeds cannot leak an image across splits
    totals[split] = Collect(c, c.num_images, &images[split], &questions[split]);
  }
  for (int a = 0; a < 3; ++a) {
    for (int b = a + 1; b < 3; ++b) {
      EXPECT_EQ(Shared(images[a], images[b]), 0u) << a << " vs " << b;
      EXPECT_EQ(Shared(questions[a], questions[b]), 0u) << a << " vs " << b;
    }
  }
  // The check has teeth: in this small world, one split redraws its own images, so without
  // the partition the splits would collide too.
  for (int split = 0; split < 3; ++split) {
    EXPECT_LT(images[split].size() + 20, static_cast<size_t>(totals[split]));
  }
}

TEST(SplitTest, WithoutThePartitionSeedsAloneWouldCollide) {
  // Unpartitioned draws from two disjoint seed ranges of the same small world.
  std::set<uint64_t> a, b;
  for (int i = 0; i < 3000; ++i) {
    SynthRng ra(DeriveSeed({1, static_cast<uint64_t>(i)}));
    SynthRng rb(DeriveSeed({2, static_cast<uint64_t>(i)}));
    a.insert(Fingerprint(RenderScene(SampleScene(8, 1, &ra), 0)));
    b.insert(Fingerprint(RenderScene(SampleScene(8, 1, &rb), 0)));
  }
  EXPECT_GT(Shared(a, b), 10u);
}

TEST(SplitTest, EveryImageBelongsToItsSplit) {
  for (int split = 0; split < 3; ++split) {
    SynthConfig c;
    c.split = static_cast<SynthSplit>(split);
    for (WorldKind kind : {WorldKind::kScene, WorldKind::kDocument, WorldKind::kChart}) {
      for (uint64_t seed = 0; seed < 30; ++seed) {
        WorldImage w = DrawWorldImage(c, kind, seed).value();
        EXPECT_EQ(w.content_id, PixelHash(w.image));
        EXPECT_EQ(SplitOfContent(w.content_id), c.split);
      }
    }
  }
}

}  // namespace
}  // namespace vlmlab
