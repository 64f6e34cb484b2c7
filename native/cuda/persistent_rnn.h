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

// Runs every forward step of passes[0 .. plan.directions) (inputGates filled, the initial state
// rows written) in one launch; keepActivations: also store the gate activations (and the GRU's
// W_hn h + b_hn) for a backward pass. Both run functions return false, having run nothing, when
// the device refuses the grid (part of it held by another process): the GEMM path serves then.
template <typename T>
bool runPersistentForward(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths, bool keepActivations);

// Runs the reverse loops of passes[0 .. plan.directions) in one launch. Pass i's dh[i] and dc[i]
// [B, H] hold the final state's gradients and receive the initial state's; its dGates and
// dHiddenGates [T, B, G] receive the gate gradients; its direction's part of dLayerOutput
// [T, B, directions * H] (or null) adds to the active rows.
template <typename T>
bool runPersistentBackward(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths, T* const* dh,
                           T* const* dc, const T* dLayerOutput, int64_t directions);

}  // namespace gated::cuda
