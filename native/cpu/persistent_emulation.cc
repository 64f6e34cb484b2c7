#include "persistent_emulation.h"

#include <atomic>
#include <vector>

#include "persistent_args.h"

namespace gated {
namespace {

std::atomic<CudaEmulation> chosen{CudaEmulation::Off};
std::atomic<uint64_t> launches{0};

// A Block on the host: its shared memory and each thread's sums outlive the phases, as the GPU's
// shared memory and registers do; each(f) runs f for its threads one after the other.
template <typename T>
class HostBlock {
 public:
  HostBlock(int index, const ProductLayout& layout)
      : index_(index), shared_(layout.elements()), sums_(static_cast<size_t>(kPersistentThreads)) {}
  template <typename Phase>
  void each(const Phase& phase) {
    for (int thread = 0; thread < kPersistentThreads; ++thread) phase(thread, sums_[thread]);
  }
  void sync() {}
  int threads() const { return kPersistentThreads; }
  int index() const { return index_; }
  T* shared() { return shared_.data(); }

 private:
  int index_;
  std::vector<T> shared_;
  std::vector<TileSums<T>> sums_;
};

// A cooperative launch of `steps` steps: each step runs on every block, one after the other.
template <typename T, typename Step>
void emulateLaunch(const PersistentPlan& plan, const PersistentArgs<T>& a, bool backward, int steps, const Step& step) {
  std::vector<HostBlock<T>> blocks;
  for (int index = 0; index < plan.blocks; ++index) blocks.emplace_back(index, plan.layout);
  for (HostBlock<T>& block : blocks) loadBlockMatrix(a, plan.layout, backward, block);
  for (int s = 0; s < steps; ++s) {
    for (HostBlock<T>& block : blocks) step(s, block);
  }
  launches.fetch_add(1);
}

}  // namespace

void setCudaEmulation(CudaEmulation emulation) { chosen.store(emulation); }
CudaEmulation cudaEmulation() { return chosen.load(); }
uint64_t emulatedPersistentLaunches() { return launches.load(); }

template <typename T>
void emulatePersistentForward(const PersistentPlan& plan, const LayerPass<T>& p, bool keepActivations) {
  const PersistentArgs<T> a = persistentForwardArgs(plan, p, p.lengths, keepActivations);
  emulateLaunch(plan, a, false, a.steps, [&](int step, HostBlock<T>& block) { forwardStep(a, plan.layout, step, block); });
}

template <typename T>
void emulatePersistentBackward(const PersistentPlan& plan, const LayerPass<T>& p, T* dh, T* dc, const T* dLayerOutput,
                               int64_t directions, int64_t direction) {
  const PersistentArgs<T> a = persistentBackwardArgs(plan, p, p.lengths, dh, dc, dLayerOutput, directions, direction);
  emulateLaunch(plan, a, true, a.steps + 1, [&](int step, HostBlock<T>& block) { backwardStep(a, plan.layout, step, block); });
}

#define GATED_EMULATION_INSTANCES(T)                                                                  \
  template void emulatePersistentForward<T>(const PersistentPlan&, const LayerPass<T>&, bool);        \
  template void emulatePersistentBackward<T>(const PersistentPlan&, const LayerPass<T>&, T*, T*, const T*, \
                                             int64_t, int64_t);
GATED_EMULATION_INSTANCES(float)
GATED_EMULATION_INSTANCES(double)
#undef GATED_EMULATION_INSTANCES

}  // namespace gated
