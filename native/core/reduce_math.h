// Reductions of one column, shared by the CPU loops and the CUDA kernels (GATED_HD).
#pragma once
#include <cstdint>

#include "hd.h"

namespace gated {

// The position of the first maximum of column[k * stride], k in [0, n); NaN counts as the maximum
// (the first NaN wins), as in PyTorch.
template <typename T>
GATED_HD int64_t firstMaxIndex(const T* column, int64_t n, int64_t stride) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; ++k) {
    const T candidate = column[k * stride], current = column[best * stride];
    if (current != current) break;  // NaN already chosen
    if (candidate > current || candidate != candidate) best = k;
  }
  return best;
}

}  // namespace gated
