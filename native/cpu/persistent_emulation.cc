#include "persistent_emulation.h"

#include <atomic>
#include <functional>
#include <stdexcept>
#include <vector>

namespace gated {
namespace {

std::atomic<CudaEmulation> chosen{CudaEmulation::Off};
std::atomic<uint64_t> launches{0};

// The i-th of n in the emulation's order.
int inOrder(int i, int n, bool reversed) { return reversed ? n - 1 - i : i; }

// A Block on the host: its shared memory and each thread's sums outlive the phases, as the GPU's
// shared memory and registers do. In order, each(f) runs f for its threads one after the other.
// Reversed, it keeps the phases until the next barrier (sync()), then runs each thread's phases in
// program order, the threads from the last to the first: another schedule the GPU may pick, which
// differs from the first wherever a barrier is missing.
template <typename T>
class HostBlock {
 public:
  using Phase = std::function<void(int, TileSums<T>&)>;
  HostBlock(size_t sharedElements, bool reversed)
      : shared_(sharedElements), sums_(static_cast<size_t>(kPersistentThreads)), reversed_(reversed) {}
  template <typename F>
  void each(const F& phase) {
    if (reversed_) return pending_.push_back(Phase(phase));
    for (int thread = 0; thread < kPersistentThreads; ++thread) phase(thread, sums_[thread]);
  }
  void sync() {
    for (int thread = kPersistentThreads - 1; thread >= 0 && !pending_.empty(); --thread) {
      for (const Phase& phase : pending_) phase(thread, sums_[thread]);
    }
    pending_.clear();
  }
  // At a grid barrier: every phase must have met a block barrier (the phases it keeps refer to
  // the step functions' locals).
  void expectBarrierMet() const {
    if (!pending_.empty()) throw std::logic_error("persistent emulation: a phase without a block barrier after it");
  }
  int threads() const { return kPersistentThreads; }
  T* shared() { return shared_.data(); }

 private:
  std::vector<T> shared_;
  std::vector<TileSums<T>> sums_;
  bool reversed_;
  std::vector<Phase> pending_;  // reversed: the phases since the last barrier
};

// A cooperative launch: each stage of each launch step (stagesPerStep; a grid barrier after each
// stage) runs on every block of the grid, one after the other.
template <typename T>
void emulateLaunch(const PersistentPlan& plan, const PersistentLaunch<T>& launch, bool backward) {
  const bool reversed = chosen.load() == CudaEmulation::PersistentReversed;
  std::vector<HostBlock<T>> blocks(static_cast<size_t>(plan.blocks), HostBlock<T>(plan.sharedBytes / sizeof(T), reversed));
  for (int i = 0; i < plan.blocks; ++i) {
    const int b = inOrder(i, plan.blocks, reversed);
    int index = 0;
    const PersistentArgs<T>& a = passOf(launch, b, &index);
    loadBlockMatrix(a, backward, index, blocks[b]);
    blocks[b].expectBarrierMet();
  }
  const int stages = stagesPerStep(launch.pass[0].cell);
  for (int step = 0; step < launch.steps; ++step) {
    for (int stage = 0; stage < stages; ++stage) {
      for (int i = 0; i < plan.blocks; ++i) {
        const int b = inOrder(i, plan.blocks, reversed);
        int index = 0;
        const PersistentArgs<T>& a = passOf(launch, b, &index);
        runStage(a, backward, step, stage, index, blocks[b]);
        blocks[b].expectBarrierMet();
      }
    }
  }
  launches.fetch_add(1);
}

}  // namespace

void setCudaEmulation(CudaEmulation emulation) { chosen.store(emulation); }
CudaEmulation cudaEmulation() { return chosen.load(); }
uint64_t emulatedPersistentLaunches() { return launches.load(); }

template <typename T>
void emulatePersistentForward(const PersistentPlan& plan, const LayerPass<T>* passes, bool keepActivations,
                              const WavefrontBuffers<T>* wavefront) {
  emulateLaunch(plan, persistentForwardLaunch(plan, passes, passes[0].lengths, keepActivations, wavefront), false);
}

template <typename T>
void emulatePersistentBackward(const PersistentPlan& plan, const LayerPass<T>* passes, T* const* dh, T* const* dc,
                               const T* dLayerOutput, int64_t directions) {
  emulateLaunch(plan, persistentBackwardLaunch(plan, passes, passes[0].lengths, dh, dc, dLayerOutput, directions), true);
}

#define GATED_EMULATION_INSTANCES(T)                                                                                \
  template void emulatePersistentForward<T>(const PersistentPlan&, const LayerPass<T>*, bool, const WavefrontBuffers<T>*); \
  template void emulatePersistentBackward<T>(const PersistentPlan&, const LayerPass<T>*, T* const*, T* const*, const T*, \
                                             int64_t);
GATED_EMULATION_INSTANCES(float)
GATED_EMULATION_INSTANCES(double)
#undef GATED_EMULATION_INSTANCES

}  // namespace gated
