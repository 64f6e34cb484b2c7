// Planning and launching the persistent recurrence (persistent_rnn.cuh) for one layer and
// direction of float32 inference at small batch.
#pragma once
#include <cstddef>

#include "../core/rnn_shape.h"
#include "../cpu/layer_pass.h"

namespace gated::cuda {

constexpr int64_t kPersistentMaxBatch = 16;

// The launch of the persistent kernel for a shape; blocks is 0 when it does not fit on this GPU
// (the reset-before GRU, batch over 16, or W_hh's rows plus h not fitting in shared memory).
struct PersistentPlan {
  int blocks = 0;
  int unitsPerBlock = 0;
  size_t sharedBytes = 0;
};

PersistentPlan planPersistent(const RnnShape& shape);

// Runs every step of pass p (inputGates filled, the initial state rows written) on the device.
void runPersistent(const PersistentPlan& plan, const LayerPass<float>& p, const int32_t* lengths);

}  // namespace gated::cuda
