// Which CUDA recurrence runs a layer, whether stacked layers run as a wavefront, whether step loops
// run as graphs, on how many streams its directions run, and how uploads go (see cuda_api.h).
// Plain C++, in every build, so the switches exist (and are tested) without CUDA.
#include <atomic>

#include "cuda_api.h"

namespace gated::cuda {
namespace {

std::atomic<RecurrenceKernel> chosen{RecurrenceKernel::Auto};
std::atomic<DirectionStreams> streamsChosen{DirectionStreams::Auto};
std::atomic<UploadPath> uploadsChosen{UploadPath::Auto};
std::atomic<WavefrontMode> wavefrontChosen{WavefrontMode::Auto};
std::atomic<StepGraphs> graphsChosen{StepGraphs::Auto};
std::atomic<uint64_t> persistentLaunches{0};
std::atomic<uint64_t> sideStreamForks{0};
std::atomic<uint64_t> graphCaptures{0};
std::atomic<uint64_t> graphLaunches{0};

}  // namespace

void setRecurrenceKernel(RecurrenceKernel kernel) { chosen.store(kernel); }
RecurrenceKernel recurrenceKernel() { return chosen.load(); }
void setDirectionStreams(DirectionStreams streams) { streamsChosen.store(streams); }
DirectionStreams directionStreams() { return streamsChosen.load(); }
void setUploadPath(UploadPath path) { uploadsChosen.store(path); }
UploadPath uploadPath() { return uploadsChosen.load(); }
void setLayerWavefront(WavefrontMode mode) { wavefrontChosen.store(mode); }
WavefrontMode layerWavefront() { return wavefrontChosen.load(); }
void setStepGraphs(StepGraphs graphs) { graphsChosen.store(graphs); }
StepGraphs stepGraphs() { return graphsChosen.load(); }
void notePersistentLaunch() { persistentLaunches.fetch_add(1); }
uint64_t persistentLaunchCount() { return persistentLaunches.load(); }
void noteSideStreamFork() { sideStreamForks.fetch_add(1); }
uint64_t sideStreamForkCount() { return sideStreamForks.load(); }
void noteGraphCapture() { graphCaptures.fetch_add(1); }
uint64_t graphCaptureCount() { return graphCaptures.load(); }
void noteGraphLaunch() { graphLaunches.fetch_add(1); }
uint64_t graphLaunchCount() { return graphLaunches.load(); }

}  // namespace gated::cuda
