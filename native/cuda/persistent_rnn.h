// Planning and launching the persistent recurrence (persistent_rnn.cuh) for one layer and
// direction.
#pragma once
#include <cstddef>

#include "../core/persistent_recurrence.h"
#include "../cpu/layer_pass.h"

namespace gated::cuda {

// The plan for a shape on this GPU (persistentPlanFor with its limits, every block resident), or
// none (blocks 0). Cached per (gates, batch, hidden, element size).
PersistentPlan planPersistent(const RnnShape& shape, size_t elementBytes);

// Runs every step of pass p (inputGates filled, the initial state rows written) on the device;
// keepActivations: also store the gate activations (and the GRU's W_hn h + b_hn) for backward.
template <typename T>
void runPersistent(const PersistentPlan& plan, const LayerPass<T>& p, const int32_t* lengths, bool keepActivations);

}  // namespace gated::cuda
