// Deterministic randomness for the synthetic world: a SplitMix64 stream with its own integer
// and float mappings (std:: distributions differ between standard libraries, and the world
// must be byte-identical everywhere), plus stable seed derivation and content hashing.
//
//   SynthRng rng(DeriveSeed(world_seed, split, index));
//   int count = rng.Range(1, max_objects);      // inclusive
//   const std::string& word = rng.Pick(words);
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_SYNTH_RANDOM_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_SYNTH_RANDOM_H_

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "glog/logging.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {

// Combines seeds and small integers into one seed, order-sensitively.
inline uint64_t DeriveSeed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x5bd1e9955bd1e995ull;
  for (uint64_t p : parts) h = Mix64(h ^ Mix64(p + 0x632be59bd9b4e019ull));
  return h;
}

// FNV-1a over bytes, finalised with Mix64: a stable 64-bit content hash.
inline uint64_t HashBytes(absl::string_view bytes, uint64_t h = 0xcbf29ce484222325ull) {
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return Mix64(h);
}

class SynthRng {
 public:
  explicit SynthRng(uint64_t seed) : state_(Mix64(seed)) {}

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  int Uniform(int n) {
    CHECK_GT(n, 0);
    return static_cast<int>((static_cast<unsigned __int128>(Next()) * static_cast<uint64_t>(n)) >>
                            64);
  }
  // Uniform in [lo, hi], inclusive.
  int Range(int lo, int hi) { return lo + Uniform(hi - lo + 1); }
  // Uniform in [0, 1).
  double Float() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  double Float(double lo, double hi) { return lo + (hi - lo) * Float(); }
  bool Bernoulli(double p) { return Float() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Uniform(static_cast<int>(items.size()))];
  }
  template <typename T>
  void Shuffle(std::vector<T>* items) {
    for (int i = static_cast<int>(items->size()) - 1; i > 0; --i) {
      std::swap((*items)[i], (*items)[Uniform(i + 1)]);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_SYNTH_RANDOM_H_
