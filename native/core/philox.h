// Philox-4x32-10 (Salmon et al., SC'11): a counter-based generator. The same (key, counter) gives
// the same bits on the CPU and the GPU, so dropout masks and random tensors agree across devices.
#pragma once
#include <cstdint>
#include "hd.h"

namespace gated {

struct Philox4 { uint32_t v[4]; };

GATED_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t product = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(product >> 32);
  return static_cast<uint32_t>(product);
}

// counter: 4 words; key: 2 words. Returns 4 independent uniformly distributed words.
GATED_HD Philox4 philox4x32_10(Philox4 counter, uint32_t key0, uint32_t key1) {
  const uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  const uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo32(kMul0, counter.v[0], &hi0);
    const uint32_t lo1 = mulhilo32(kMul1, counter.v[2], &hi1);
    counter = Philox4{{hi1 ^ counter.v[1] ^ key0, lo1, hi0 ^ counter.v[3] ^ key1, lo0}};
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  return counter;
}

// The random word for element `index` of stream `stream` under `seed`: element i uses word i % 4
// of the block whose counter is (i / 4, stream).
GATED_HD uint32_t philoxWord(uint64_t seed, uint32_t stream, uint64_t index) {
  const uint64_t block = index >> 2;
  const Philox4 counter{{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), stream, 0u}};
  const Philox4 words = philox4x32_10(counter, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  // Selected, not indexed: a run-time index would put the words in a GPU thread's local memory.
  const uint32_t word = static_cast<uint32_t>(index & 3);
  return word == 0 ? words.v[0] : word == 1 ? words.v[1] : word == 2 ? words.v[2] : words.v[3];
}

// A uniform number in [0, 1) with 24 random bits (exact in float32 and float64).
GATED_HD double philoxUniform(uint64_t seed, uint32_t stream, uint64_t index) {
  return static_cast<double>(philoxWord(seed, stream, index) >> 8) * (1.0 / 16777216.0);
}

}  // namespace gated
