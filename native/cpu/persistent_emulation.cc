#include "persistent_emulation.h"

#include <atomic>
#include <vector>


namespace gated {
namespace {

std::atomic<CudaEmulation> chosen{CudaEmulation::Off};
std::atomic<uint64_t> launches{0};

// A Block on the host: its shared memory and each thread's sums outlive the phases, as the GPU's
// shared memory and registers do; each(f) runs f for its threads one after the other.
template <typename T>
class HostBlock {
 public:
  explicit HostBlock(size_t sharedElements) : shared_(sharedElements), sums_(static_cast<size_t>(kPersistentThreads)) {}
  template <typename Phase>
  void each(const Phase& phase) {
    for (int thread = 0; thread < kPersistentThreads; ++thread) phase(thread, sums_[thread]);
  }
  void sync() {}
  int threads() const { return kPersistentThreads; }
  T* shared() { return shared_.data(); }

 private:
  std::vector<T> shared_;
  std::vector<TileSums<T>> sums_;
};

// A cooperative launch: each stage of each launch step (stagesPerStep; a grid barrier after each
// stage) runs on every block of the grid, one after the other.
template <typename T>
void emulateLaunch(const PersistentPlan& plan, const PersistentLaunch<T>& launch, bool backward) {
  std::vector<HostBlock<T>> blocks(static_cast<size_t>(plan.blocks), HostBlock<T>(plan.sharedBytes / sizeof(T)));
  for (int b = 0; b < plan.blocks; ++b) {
    int index = 0;
    const PersistentArgs<T>& a = passOf(launch, b, &index);
    loadBlockMatrix(a, backward, index, blocks[b]);
  }
  const int stages = stagesPerStep(launch.pass[0].cell);
  for (int step = 0; step < launch.steps; ++step) {
    for (int stage = 0; stage < stages; ++stage) {
      for (int b = 0; b < plan.blocks; ++b) {
        int index = 0;
        const PersistentArgs<T>& a = passOf(launch, b, &index);
        runStage(a, backward, step, stage, index, blocks[b]);
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
