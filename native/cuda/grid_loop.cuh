// Grid-stride loops: an element-wise kernel covers any count with GATED_GRID_LOOP, launched by
// launchOver on the current stream.
#pragma once
#include <cstdint>

#include "runtime.h"

#define GATED_GRID_LOOP(i, count) \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (count); i += static_cast<int64_t>(gridDim.x) * blockDim.x)

namespace gated::cuda {

// Launches `kernel` over `count` elements (grid-stride loops cover any count).
template <typename... KernelArgs, typename... Args>
void launchOver(const char* name, int64_t count, void (*kernel)(KernelArgs...), Args... args) {
  if (count == 0) return;
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  kernel<<<static_cast<unsigned>(blocks < 65536 * 16 ? blocks : 65536 * 16), kThreads, 0, stream()>>>(args...);
  checkLaunch(name);
}

}  // namespace gated::cuda
