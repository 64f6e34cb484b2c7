// Planning and launching the persistent recurrence kernels (persistent_rnn.cuh) for a layer's
// directions, or a wavefront of layers.
#pragma once
#include <cstddef>

#include "../cpu/persistent_args.h"

namespace gated::cuda {

// The plans: persistentPlan and persistentWavefront (cuda_api.h).

// Runs every forward step of passes[0 .. plan.passes) in one launch: a layer's directions, or the
// layers of a wavefront with the buffers they hand each other (see persistentForwardLaunch: initial
// state rows written, the first pass's inputGates filled); keepActivations: also store the gate
// activations (and the GRU's W_hn h + b_hn) for a backward pass. Both run functions return false,
// having run nothing, when the device refuses the grid (part of it held by another process): the
// GEMM path serves then.
template <typename T>
bool runPersistentForward(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths, bool keepActivations,
                          const WavefrontBuffers<T>* wavefront = nullptr);

// Runs the reverse loops of passes[0 .. plan.passes) in one launch. Pass i's dh[i] and dc[i]
// [B, H] hold the final state's gradients and receive the initial state's; its dGates and
// dHiddenGates [T, B, G] receive the gate gradients; its direction's part of dLayerOutput
// [T, B, directions * H] (or null) adds to the active rows.
template <typename T>
bool runPersistentBackward(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths, T* const* dh,
                           T* const* dc, const T* dLayerOutput, int64_t directions);

}  // namespace gated::cuda
