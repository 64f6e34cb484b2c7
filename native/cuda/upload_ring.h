// The pinned staging ring for uploads (upload_ring.cu).
#pragma once
#include <cstddef>

namespace gated::cuda {

// Queues device [bytes] = host [bytes] through the ring; false (nothing queued) when it is too
// large for the ring.
bool uploadThroughRing(void* device, const void* host, size_t bytes);

}  // namespace gated::cuda
