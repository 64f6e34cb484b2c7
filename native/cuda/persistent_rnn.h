// Planning and launching the persistent recurrence kernels (persistent_rnn.cuh) for a layer's
// directions, or a wavefront of layers.
#pragma once
#include <cstddef>

#include "../cpu/persistent_args.h"

namespace gated::cuda {

// The plan for a shape's forward or backward pass on this GPU (persistentPlanFor with its limits,
// every block resident), or none (blocks 0); layers over 1: the forward plan of that many of its
// layers as a wavefront. Cached per shape, layers, direction of work and element size.
PersistentPlan planPersistent(const RnnShape& shape, bool backward, size_t elementBytes, int64_t layers = 1);

// The forward plan of the wavefront that runs layers from `first` on (wavefrontPlan, with the
// switch layerWavefront()), or none (blocks 0).
PersistentPlan planWavefront(const RnnShape& s, int64_t first, size_t elementBytes);

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
