// A caching allocator: freed blocks wait in per-size lists for reuse, so a training loop stops
// calling cudaMalloc / cudaFree after its first step. Sizes are rounded up (512 bytes below 1 MiB,
// 2 MiB above) so that blocks of near sizes are shared. Everything runs on one stream, so a block
// is reusable as soon as it is released.
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime.h"

namespace gated::cuda {
namespace {

struct Allocator {
  std::mutex mutex;
  std::map<size_t, std::vector<void*>> freeBlocks;  // by rounded size
  std::unordered_map<void*, size_t> liveBlocks;     // pointer -> rounded size
  AllocatorStats stats;
};

Allocator& allocator() {
  static Allocator* instance = new Allocator();  // never destroyed: blocks may be released at exit
  return *instance;
}

size_t rounded(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = size_t(2) << 20, kSmallLimit = size_t(1) << 20;
  const size_t unit = bytes < kSmallLimit ? kSmall : kLarge;
  return ((bytes > 0 ? bytes : 1) + unit - 1) / unit * unit;
}

void freeCached(Allocator& a) {
  for (auto& [size, blocks] : a.freeBlocks) {
    for (void* block : blocks) cudaFree(block);
    a.stats.cachedBytes -= size * blocks.size();
  }
  a.freeBlocks.clear();
}

}  // namespace

void* allocate(size_t bytes) {
  ensureUsable();
  Allocator& a = allocator();
  const size_t size = rounded(bytes);
  std::lock_guard<std::mutex> lock(a.mutex);
  void* block = nullptr;
  auto cached = a.freeBlocks.find(size);
  if (cached != a.freeBlocks.end() && !cached->second.empty()) {
    block = cached->second.back();
    cached->second.pop_back();
    a.stats.cachedBytes -= size;
  } else {
    cudaError_t error = cudaMalloc(&block, size);
    if (error == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      synchronize();
      freeCached(a);
      error = cudaMalloc(&block, size);
    }
    if (error != cudaSuccess && error != cudaErrorMemoryAllocation) failCuda("cudaMalloc", error);
    if (error != cudaSuccess) {
      cudaGetLastError();
      size_t freeBytes = 0, totalBytes = 0;
      cudaMemGetInfo(&freeBytes, &totalBytes);
      throw CudaError("gated: out of CUDA memory: could not allocate " + std::to_string(bytes) + " bytes (" +
                          std::to_string(freeBytes >> 20) + " MiB free of " + std::to_string(totalBytes >> 20) +
                          " MiB; gated holds " + std::to_string(a.stats.allocatedBytes >> 20) +
                          " MiB in live tensors). Dispose tensors you no longer need, or use g.tidy().",
                      true);
    }
    a.stats.deviceAllocations += 1;
  }
  a.liveBlocks[block] = size;
  a.stats.allocatedBytes += size;
  if (a.stats.allocatedBytes > a.stats.peakBytes) a.stats.peakBytes = a.stats.allocatedBytes;
  return block;
}

void release(void* pointer) {
  if (!pointer) return;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  auto live = a.liveBlocks.find(pointer);
  if (live == a.liveBlocks.end()) return;
  const size_t size = live->second;
  a.liveBlocks.erase(live);
  a.stats.allocatedBytes -= size;
  a.stats.cachedBytes += size;
  a.freeBlocks[size].push_back(pointer);
}

AllocatorStats allocatorStats() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  return a.stats;
}

void emptyCache() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  if (a.freeBlocks.empty()) return;
  synchronize();
  freeCached(a);
}

}  // namespace gated::cuda
