// Uploads through a pinned staging ring (UploadPath::Pinned): the host data is copied into pinned
// memory at once and the DMA reads it from there in stream order, so queueing an upload never
// waits for the stream. (From pageable memory the driver may stage synchronously, waiting for the
// stream first.) A region of the ring is reused once the event recorded after its copy has passed;
// an upload larger than a quarter of the ring goes straight from pageable memory.
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "runtime.h"
#include "upload_ring.h"

namespace gated::cuda {
namespace {

class UploadRing {
 public:
  // False when `bytes` is too large for the ring (the caller copies from pageable memory).
  bool upload(void* device, const void* host, size_t bytes) {
    if (bytes > kCapacity / 4) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (pinned_ == nullptr) checkCuda(cudaHostAlloc(reinterpret_cast<void**>(&pinned_), kCapacity, cudaHostAllocDefault), "cudaHostAlloc");
    retireFinished();
    const size_t begin = head_ + bytes <= kCapacity ? head_ : 0;
    for (auto span = inFlight_.begin(); span != inFlight_.end();) {
      if (span->begin < begin + bytes && begin < span->end) {
        awaitSpan(*span);
        span = inFlight_.erase(span);
      } else {
        ++span;
      }
    }
    std::memcpy(pinned_ + begin, host, bytes);
    checkCuda(cudaMemcpyAsync(device, pinned_ + begin, bytes, cudaMemcpyHostToDevice, stream()), "cudaMemcpyAsync (pinned to device)");
    cudaEvent_t done = nullptr;
    if (spare_.empty()) {
      checkCuda(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    } else {
      done = spare_.back();
      spare_.pop_back();
    }
    checkCuda(cudaEventRecord(done, stream()), "cudaEventRecord");
    inFlight_.push_back({begin, begin + bytes, done});
    head_ = begin + bytes;
    return true;
  }

 private:
  static constexpr size_t kCapacity = size_t{16} << 20;
  struct Span {
    size_t begin, end;
    cudaEvent_t done;  // recorded after the copy out of [begin, end)
  };

  // Drops the oldest spans whose copies have passed (they finish in stream order), so the overlap
  // check above only sees the few copies still queued.
  void retireFinished() {
    while (!inFlight_.empty()) {
      const cudaError_t state = cudaEventQuery(inFlight_.front().done);
      if (state == cudaErrorNotReady) {
        cudaGetLastError();  // "not ready" is recorded as the last error: clear it
        return;
      }
      checkCuda(state, "cudaEventQuery");
      spare_.push_back(inFlight_.front().done);
      inFlight_.pop_front();
    }
  }

  // Waits (a counted host wait) until the span's copy has read the ring, unless it already has.
  void awaitSpan(const Span& span) {
    const cudaError_t state = cudaEventQuery(span.done);
    if (state == cudaErrorNotReady) {
      cudaGetLastError();  // "not ready" is recorded as the last error: clear it
      noteHostWait();
      checkCuda(cudaEventSynchronize(span.done), "cudaEventSynchronize");
    } else {
      checkCuda(state, "cudaEventQuery");
    }
    spare_.push_back(span.done);
  }

  std::mutex mutex_;
  unsigned char* pinned_ = nullptr;  // kCapacity bytes, for the life of the process
  size_t head_ = 0;                  // where the next upload goes, unless it must wrap to 0
  std::deque<Span> inFlight_;
  std::vector<cudaEvent_t> spare_;
};

UploadRing& ring() {
  static UploadRing instance;
  return instance;
}

}  // namespace

bool uploadThroughRing(void* device, const void* host, size_t bytes) { return ring().upload(device, host, bytes); }

}  // namespace gated::cuda
