// CUDA graphs for the GEMM path's step loops (the switch cudaGraphs, cuda_api.h). A loop queues a
// product and a kernel or two per step; each launch costs the host microseconds and leaves the GPU
// a gap. A graph queues the whole loop in one launch. Graphs are kept by the loop's LaunchRecord:
// a loop whose record equals a kept graph's queues exactly the work the graph holds.
#pragma once
#include <functional>

#include "launch_sinks.cuh"

namespace gated::cuda {

// Queues the loop that `record` describes: by launching the graph kept for it; else, the second
// time this record comes, by capturing enqueue() into a graph, which is kept and launched; else
// (the first time) by enqueue() itself. The first run is a warm-up outside a capture (the lazily
// loaded kernels load), and a loop that never repeats costs no capture. Kept: the 64 graphs used
// last, within 64 MiB of records. enqueue must queue what record describes, on the stream.
void queueLoop(const LaunchRecord& record, const std::function<void()>& enqueue);

}  // namespace gated::cuda
