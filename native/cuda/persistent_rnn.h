// Planning and launching the persistent recurrence kernels (persistent_rnn.cuh) for one layer and
// direction.
#pragma once
#include <cstddef>

#include "../core/persistent_recurrence.h"
#include "../cpu/layer_pass.h"

namespace gated::cuda {

// The plan for a shape's forward or backward pass on this GPU (persistentPlanFor with its limits,
// every block resident), or none (blocks 0). Cached per shape, direction of work and element size.
PersistentPlan planPersistent(const RnnShape& shape, bool backward, size_t elementBytes);

// Runs every forward step of pass p (inputGates filled, the initial state rows written) on the
// device; keepActivations: also store the gate activations (and the GRU's W_hn h + b_hn).
template <typename T>
void runPersistentForward(const PersistentPlan& plan, const LayerPass<T>& p, const int32_t* lengths, bool keepActivations);

// Runs the reverse loop of pass p: dh and dc [B, H] hold the final state's gradients and receive
// the initial state's; p.dGates and p.dHiddenGates [T, B, G] receive the gate gradients;
// dLayerOutput [T, B, directions * H] or null adds to the active rows.
template <typename T>
void runPersistentBackward(const PersistentPlan& plan, const LayerPass<T>& p, const int32_t* lengths, T* dh, T* dc,
                           const T* dLayerOutput, int64_t directions, int64_t direction);

}  // namespace gated::cuda
