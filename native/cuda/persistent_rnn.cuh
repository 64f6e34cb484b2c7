// The persistent recurrence kernel: the phases of core/persistent_recurrence.h, one cooperative
// launch per layer and direction, a block barrier between the phases and a grid barrier per step.
#pragma once
#include <cooperative_groups.h>

#include "../core/persistent_recurrence.h"

namespace gated::cuda {

template <typename T>
__global__ void __launch_bounds__(kPersistentThreads) persistentRecurrence(PersistentArgs<T> a) {
  extern __shared__ __align__(sizeof(double)) unsigned char sharedMemory[];
  T* shared = reinterpret_cast<T*>(sharedMemory);
  const PersistentLayout layout(a.gates, a.unitsPerBlock, a.batch, a.hidden, blockDim.x);
  const int block = blockIdx.x, thread = threadIdx.x, threads = blockDim.x;
  loadWeightRows(a, layout, block, thread, threads, shared);
  cooperative_groups::grid_group grid = cooperative_groups::this_grid();
  for (int step = 0; step < a.steps; ++step) {
    stageState(a, layout, step, thread, threads, shared);
    __syncthreads();
    multiplyRows(layout, thread, threads, shared);
    __syncthreads();
    updateUnits(a, layout, step, block, thread, threads, shared);
    grid.sync();
  }
}

}  // namespace gated::cuda
