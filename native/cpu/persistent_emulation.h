// The CUDA persistent recurrence run on the host: the kernel's phases (core/persistent_recurrence.h)
// for every block and thread of the grid an H100 / H200 would launch, in an order that computes
// what the GPU computes. The CPU forward takes it when setKernel('cudaEmulation', 'persistent') is
// set, so the CPU tests (golden files, gradients through the activations it stores) cover the
// kernel's indexing, tiling and cell update without a GPU.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/persistent_recurrence.h"
#include "layer_pass.h"

namespace gated {

enum class CudaEmulation : int { Off = 0, Persistent = 1 };
void setCudaEmulation(CudaEmulation emulation);
CudaEmulation cudaEmulation();
uint64_t emulatedPersistentLaunches();  // launches emulated so far (tests check the emulation ran)

// The device the emulation plans for: an H100 / H200 (132 multiprocessors, 227 KiB of shared
// memory per block with the opt-in).
constexpr int kEmulatedMultiprocessors = 132;
constexpr size_t kEmulatedSharedPerBlock = 227 * 1024;

// The plan the emulated device gives a layer of this shape (blocks 0: the kernel does not take it).
template <typename T>
PersistentPlan emulatedPlan(const RnnShape& shape) {
  return persistentPlanFor(shape, kEmulatedMultiprocessors, kEmulatedSharedPerBlock, sizeof(T));
}

// Runs every step of pass p (inputGates filled, the initial state rows written) as the kernel
// would with `plan`; keepActivations: also store what a backward pass reads.
template <typename T>
void emulatePersistent(const PersistentPlan& plan, const LayerPass<T>& p, bool keepActivations);

}  // namespace gated
