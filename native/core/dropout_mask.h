// The inter-layer dropout of a recurrent network, element by element, the same on the CPU and the
// GPU: element `index` of a layer's output [T, B, D*H], drawn from Philox stream `stream` (the
// layer's index), is kept and scaled by 1 / (1 - p), or zeroed.
#pragma once
#include <cstdint>

#include "hd.h"
#include "philox.h"

namespace gated {

template <typename T>
GATED_HD T droppedOut(uint64_t seed, uint32_t stream, double probability, uint64_t index, T value) {
  const T keepScale = probability < 1 ? T(1.0 / (1.0 - probability)) : T(0);
  return value * (philoxUniform(seed, stream, index) >= probability ? keepScale : T(0));
}

}  // namespace gated
