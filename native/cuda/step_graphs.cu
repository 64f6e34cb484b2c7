#include "step_graphs.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace gated::cuda {
namespace {

constexpr size_t kKeptGraphs = 64;
constexpr size_t kKeptRecordBytes = size_t(64) << 20;
constexpr size_t kRememberedRecords = 4096;

struct Kept {
  cudaGraphExec_t graph = nullptr;
  uint64_t lastUse = 0;
};

struct Graphs {
  std::mutex mutex;
  std::unordered_map<std::string, Kept> kept;  // by record
  size_t keptBytes = 0;                        // of the records kept
  std::unordered_set<size_t> seen;             // hashes of records run once without a graph
  uint64_t uses = 0;
};

Graphs& graphs() {
  static Graphs g;
  return g;
}

// Drops the least recently used graph (one still running is freed when it ends).
void dropOldest(Graphs& g) {
  auto oldest = g.kept.begin();
  for (auto it = g.kept.begin(); it != g.kept.end(); ++it) {
    if (it->second.lastUse < oldest->second.lastUse) oldest = it;
  }
  cudaGraphExecDestroy(oldest->second.graph);
  g.keptBytes -= oldest->first.size();
  g.kept.erase(oldest);
}

// enqueue()'s work as an instantiated graph. A capture that fails ends before the error passes
// on, so the stream queues normally again.
cudaGraphExec_t capture(const std::function<void()>& enqueue) {
  cudaStream_t s = stream();
  cudaGraph_t graph = nullptr;
  checkCuda(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  try {
    enqueue();
  } catch (...) {
    if (cudaStreamEndCapture(s, &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    throw;
  }
  checkCuda(cudaStreamEndCapture(s, &graph), "cudaStreamEndCapture");
  cudaGraphExec_t exec = nullptr;
  const cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  checkCuda(instantiated, "cudaGraphInstantiate");
  noteGraphCapture();
  return exec;
}

}  // namespace

void queueLoop(const LaunchRecord& record, const std::function<void()>& enqueue) {
  if (record.bytes().size() > kKeptRecordBytes) return enqueue();
  Graphs& g = graphs();
  std::lock_guard<std::mutex> lock(g.mutex);
  auto found = g.kept.find(record.bytes());
  if (found == g.kept.end()) {
    const size_t hash = std::hash<std::string>{}(record.bytes());
    if (g.seen.insert(hash).second) {
      if (g.seen.size() > kRememberedRecords) g.seen = {hash};
      return enqueue();
    }
    const cudaGraphExec_t graph = capture(enqueue);
    g.seen.erase(hash);
    while (!g.kept.empty() && (g.kept.size() >= kKeptGraphs || g.keptBytes + record.bytes().size() > kKeptRecordBytes)) dropOldest(g);
    found = g.kept.emplace(record.bytes(), Kept{graph, 0}).first;
    g.keptBytes += record.bytes().size();
  }
  found->second.lastUse = ++g.uses;
  checkCuda(cudaGraphLaunch(found->second.graph, stream()), "cudaGraphLaunch");
  noteGraphLaunch();
}

}  // namespace gated::cuda
