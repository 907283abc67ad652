// Counter-based random numbers: value i of stream `seed` is a pure function of (seed, i), so
// initialisation and dropout masks are identical whatever the thread count or visit order.
//
//   float u = CounterUniform(seed, i);   // [0, 1)
//   float z = CounterNormal(seed, i);    // N(0, 1)
#ifndef VLMLAB_PLATFORM_TENSOR_COUNTER_RANDOM_H_
#define VLMLAB_PLATFORM_TENSOR_COUNTER_RANDOM_H_

#include <cmath>
#include <cstdint>

namespace vlmlab {

// SplitMix64 finaliser: a bijective mix with good avalanche.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline uint64_t CounterBits(uint64_t seed, uint64_t index) {
  return Mix64(Mix64(seed) ^ (index * 0xd1b54a32d192ed03ull));
}

inline float CounterUniform(uint64_t seed, uint64_t index) {
  return static_cast<float>(CounterBits(seed, index) >> 40) * (1.0f / 16777216.0f);
}

// Box-Muller on two independent uniforms of the stream.
inline float CounterNormal(uint64_t seed, uint64_t index) {
  uint64_t a = CounterBits(seed, 2 * index), b = CounterBits(seed, 2 * index + 1);
  double u1 = (static_cast<double>(a >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  double u2 = static_cast<double>(b >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_COUNTER_RANDOM_H_
