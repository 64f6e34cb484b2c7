// The CUDA persistent recurrence kernels run on the host: their step functions
// (core/persistent_recurrence.h) for every block and thread of the grid an H100 / H200 would
// launch, in an order that computes what the GPU computes. The CPU engine takes them when
// setKernel('cudaEmulation', 'persistent') is set, so the CPU tests (golden files, gradients)
// cover the kernels' indexing, tiling and cell arithmetic without a GPU.
//
// 'persistent-reversed' runs the blocks of each stage in the opposite order and, within a block,
// each thread's phases up to the next barrier at once, from the last thread to the first. Where no
// block reads what another writes in the same stage, and no thread what another of its block
// writes before a barrier separates them, both schedules give the same bits: the tests compare
// them, to find a race the GPU would have.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../cuda/cuda_api.h"
#include "persistent_args.h"

namespace gated {

enum class CudaEmulation : int { Off = 0, Persistent = 1, PersistentReversed = 2 };
void setCudaEmulation(CudaEmulation emulation);
CudaEmulation cudaEmulation();
inline bool emulatingPersistent() { return cudaEmulation() != CudaEmulation::Off; }
uint64_t emulatedPersistentLaunches();  // launches emulated so far (tests check the emulation ran)

// The device the emulation plans for: an H100 / H200 (132 multiprocessors, 227 KiB of shared
// memory per block with the opt-in).
constexpr int kEmulatedMultiprocessors = 132;
constexpr size_t kEmulatedSharedPerBlock = 227 * 1024;

// The plan the emulated device gives a shape's forward or backward work (blocks 0: the kernels
// do not take it), when the emulation is on; else none.
template <typename T>
PersistentPlan emulatedPlan(const PersistentShape& shape, bool backward) {
  if (!emulatingPersistent()) return {};
  return persistentPlanFor(shape, backward, kEmulatedMultiprocessors, kEmulatedSharedPerBlock, sizeof(T));
}

// The plan for a layer's passes (one per direction), forward or backward.
template <typename T>
PersistentPlan emulatedLayerPlan(const std::vector<LayerPass<T>>& passes, bool backward) {
  const LayerPass<T>& p = passes[0];
  return emulatedPlan<T>(PersistentShape{p.cell, p.batch, p.hidden, static_cast<int64_t>(passes.size())}, backward);
}

// The plan of the wavefront that the emulated device runs from layer `first` on, as the CUDA path
// chooses it (wavefrontPlan, with the switch cuda::layerWavefront()), or none (blocks 0).
template <typename T>
PersistentPlan emulatedWavefrontPlan(const RnnShape& s, int64_t first) {
  if (!emulatingPersistent()) return {};
  const auto planOf = [&](int64_t layers) { return emulatedPlan<T>(PersistentShape::of(s, layers), false); };
  return wavefrontPlan(s, first, cuda::layerWavefront(), kEmulatedMultiprocessors, planOf);
}

// The kernels' launches, emulated; the arguments are those of runPersistentForward and
// runPersistentBackward (cuda/persistent_rnn.h), in host memory.
template <typename T>
void emulatePersistentForward(const PersistentPlan& plan, const LayerPass<T>* passes, bool keepActivations,
                              const WavefrontBuffers<T>* wavefront = nullptr);
template <typename T>
void emulatePersistentBackward(const PersistentPlan& plan, const LayerPass<T>* passes, T* const* dh, T* const* dc,
                               const T* dLayerOutput, int64_t directions);

}  // namespace gated
