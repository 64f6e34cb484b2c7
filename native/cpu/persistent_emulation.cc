#include "persistent_emulation.h"

#include <atomic>
#include <vector>

namespace gated {
namespace {

std::atomic<CudaEmulation> chosen{CudaEmulation::Off};
std::atomic<uint64_t> launches{0};

}  // namespace

void setCudaEmulation(CudaEmulation emulation) { chosen.store(emulation); }
CudaEmulation cudaEmulation() { return chosen.load(); }
uint64_t emulatedPersistentLaunches() { return launches.load(); }

template <typename T>
void emulatePersistent(const PersistentPlan& plan, const LayerPass<T>& p, bool keepActivations) {
  PersistentArgs<T> a;
  a.cell = p.cell;
  a.steps = static_cast<int>(p.steps);
  a.batch = static_cast<int>(p.batch);
  a.hidden = static_cast<int>(p.hidden);
  a.gates = static_cast<int>(p.width / p.hidden);
  a.unitsPerBlock = plan.unitsPerBlock;
  a.reverse = p.reverse;
  a.lengths = p.lengths;
  a.inputGates = p.inputGates;
  a.weight = p.weights.hiddenWeight;
  a.hiddenBias = p.cell == Cell::Gru ? p.weights.hiddenBias : nullptr;
  a.states = p.states;
  a.cells = p.cells;
  a.activations = keepActivations && a.gates > 1 ? p.gates : nullptr;
  a.extra = keepActivations && p.cell == Cell::Gru ? p.extra : nullptr;
  const int threads = kPersistentThreads;
  const PersistentLayout layout(a.gates, a.unitsPerBlock, a.batch, a.hidden, threads);
  // Each block's shared memory, kept for the whole launch like the GPU's.
  std::vector<std::vector<T>> shared(plan.blocks, std::vector<T>(layout.elements()));
  for (int block = 0; block < plan.blocks; ++block) {
    for (int thread = 0; thread < threads; ++thread) loadWeightRows(a, layout, block, thread, threads, shared[block].data());
  }
  for (int step = 0; step < a.steps; ++step) {
    for (int block = 0; block < plan.blocks; ++block) {
      T* mine = shared[block].data();
      for (int thread = 0; thread < threads; ++thread) stageState(a, layout, step, thread, threads, mine);
      for (int thread = 0; thread < threads; ++thread) multiplyRows(layout, thread, threads, mine);
      for (int thread = 0; thread < threads; ++thread) updateUnits(a, layout, step, block, thread, threads, mine);
    }
  }
  launches.fetch_add(1);
}

template void emulatePersistent<float>(const PersistentPlan&, const LayerPass<float>&, bool);
template void emulatePersistent<double>(const PersistentPlan&, const LayerPass<double>&, bool);

}  // namespace gated
