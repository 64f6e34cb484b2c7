// The persistent recurrence kernels: the step functions of core/persistent_recurrence.h on a
// cooperative grid, with a block barrier between phases and a grid barrier per step. Every block
// runs all the launch's steps (a pass idles through those outside its own), so every block meets
// every barrier.
#pragma once
#include <cooperative_groups.h>

#include "../core/persistent_recurrence.h"

namespace gated::cuda {

// A Block of the GPU: each thread runs its own part of a phase, with its sums in registers.
template <typename T>
class DeviceBlock {
 public:
  __device__ explicit DeviceBlock(T* shared) : shared_(shared) {}
  template <typename Phase>
  GATED_HD void each(const Phase& phase) {
#if defined(__CUDA_ARCH__)
    phase(static_cast<int>(threadIdx.x), sums_);
#endif
  }
  GATED_HD void sync() {
#if defined(__CUDA_ARCH__)
    __syncthreads();
#endif
  }
  GATED_HD int threads() const {
#if defined(__CUDA_ARCH__)
    return static_cast<int>(blockDim.x);
#else
    return 0;
#endif
  }
  GATED_HD T* shared() const { return shared_; }

 private:
  T* shared_;
  TileSums<T> sums_;
};

template <typename T>
__device__ __forceinline__ T* blockShared() {
  extern __shared__ __align__(sizeof(double)) unsigned char memory[];
  return reinterpret_cast<T*>(memory);
}

// The launch's steps and their stagesPerStep stages, a grid barrier after each.
template <typename T, bool Backward>
__global__ void __launch_bounds__(kPersistentThreads) persistentRecurrence(const __grid_constant__ PersistentLaunch<T> launch) {
  DeviceBlock<T> block(blockShared<T>());
  int index = 0;
  const PersistentArgs<T>& a = passOf(launch, static_cast<int>(blockIdx.x), &index);
  loadBlockMatrix(a, Backward, index, block);
  cooperative_groups::grid_group grid = cooperative_groups::this_grid();
  const int steps = launch.steps, stages = stagesPerStep(a.cell);
  for (int step = 0; step < steps; ++step) {
    for (int stage = 0; stage < stages; ++stage) {
      runStage(a, Backward, step, stage, index, block);
      if (step + 1 < steps || stage + 1 < stages) grid.sync();
    }
  }
}

}  // namespace gated::cuda
