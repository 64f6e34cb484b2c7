#include "runtime.h"

#include <atomic>
#include <string>

#include "device_query.h"
#include "upload_ring.h"

namespace gated::cuda {
namespace {

// Waits of the host for the stream (synchronize, copyToHost): the GPU check counts them.
std::atomic<uint64_t> hostWaits{0};

struct Runtime {
  bool ready = false;
  std::string reason;
  const CublasApi* api = nullptr;
  cudaStream_t stream = nullptr, sideStream = nullptr;
  cublasHandle_t handle = nullptr, sideHandle = nullptr;  // bound to stream and sideStream
  cudaEvent_t forked = nullptr, joined = nullptr;
  bool tf32 = false;
};

// Whether this thread's work goes to the side stream (a SideStream scope is open).
thread_local bool onSide = false;

void applyMathMode(Runtime& r) {
  const cublasMath_t mode = r.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
  checkCublas(r.api->setMathMode(r.handle, mode), "cublasSetMathMode");
  checkCublas(r.api->setMathMode(r.sideHandle, mode), "cublasSetMathMode");
}

// cuBLAS's workspace per handle: its default size on Hopper. Set by us, so that a GEMM captured
// into a graph (step_graphs.h) uses memory that lives as long as the process, not workspace that
// cuBLAS would allocate in each capture.
constexpr size_t kCublasWorkspaceBytes = size_t(32) << 20;

void createStream(Runtime& r, cudaStream_t* stream, cublasHandle_t* handle) {
  checkCuda(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  checkCublas(r.api->create(handle), "cublasCreate");
  checkCublas(r.api->setStream(*handle, *stream), "cublasSetStream");
  void* workspace = nullptr;
  checkCuda(cudaMalloc(&workspace, kCublasWorkspaceBytes), "cudaMalloc (cuBLAS workspace)");
  checkCublas(r.api->setWorkspace(*handle, workspace, kCublasWorkspaceBytes), "cublasSetWorkspace");
}

// Starts CUDA and cuBLAS once; on failure, `reason` says why.
Runtime start() {
  Runtime r;
  const CudaStatus status = queryCuda();
  if (!status.usable) {
    r.reason = status.reason;
    return r;
  }
  std::string reason;
  r.api = loadCublas(&reason);
  if (!r.api) {
    r.reason = reason;
    return r;
  }
  try {
    checkCuda(cudaSetDevice(0), "cudaSetDevice");
    createStream(r, &r.stream, &r.handle);
    createStream(r, &r.sideStream, &r.sideHandle);
    checkCuda(cudaEventCreateWithFlags(&r.forked, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    checkCuda(cudaEventCreateWithFlags(&r.joined, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    applyMathMode(r);
    r.ready = true;
  } catch (const CudaError& error) {
    r.reason = error.what();
  }
  return r;
}

// The process's runtime, started on first use (a function-local static: thread-safe, and no lock
// on the launches that ask for the stream afterwards).
Runtime& runtime() {
  static Runtime r = start();
  return r;
}

Runtime& ready() {
  Runtime& r = runtime();
  if (!r.ready) throw CudaError("gated: CUDA is not usable: " + r.reason);
  return r;
}

}  // namespace

void failCuda(const char* what, cudaError_t error) {
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  throw CudaError(std::string("gated: ") + what + " failed: " + cudaGetErrorName(error) + ": " + cudaGetErrorString(error),
                  error == cudaErrorMemoryAllocation);
}

void checkCublas(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  std::string unused;
  const CublasApi* api = loadCublas(&unused);
  const std::string text = api ? api->statusString(status) : "status " + std::to_string(static_cast<int>(status));
  throw CudaError(std::string("gated: ") + what + " failed: " + text, status == CUBLAS_STATUS_ALLOC_FAILED);
}

void checkLaunch(const char* kernel) { checkCuda(cudaGetLastError(), kernel); }

void ensureUsable() { ready(); }

std::string unusableReason() {
  Runtime& r = runtime();
  return r.ready ? "" : r.reason;
}

std::string cublasPath() {
  Runtime& r = runtime();
  return r.api ? r.api->path : "";
}

cudaStream_t stream() {
  Runtime& r = ready();
  return onSide ? r.sideStream : r.stream;
}
const CublasApi& cublas() { return *ready().api; }
cublasHandle_t cublasHandle() {
  Runtime& r = ready();
  return onSide ? r.sideHandle : r.handle;
}

void forkSide() {
  Runtime& r = ready();
  noteSideStreamFork();
  checkCuda(cudaEventRecord(r.forked, r.stream), "cudaEventRecord");
  checkCuda(cudaStreamWaitEvent(r.sideStream, r.forked, 0), "cudaStreamWaitEvent");
}

void joinSide() {
  Runtime& r = ready();
  checkCuda(cudaEventRecord(r.joined, r.sideStream), "cudaEventRecord");
  checkCuda(cudaStreamWaitEvent(r.stream, r.joined, 0), "cudaStreamWaitEvent");
}

SideStream::SideStream() { onSide = true; }
SideStream::~SideStream() { onSide = false; }

void setTf32(bool enabled) {
  Runtime& r = ready();
  r.tf32 = enabled;
  applyMathMode(r);
}

bool tf32() { return runtime().tf32; }

void copyToDevice(void* device, const void* host, size_t bytes) {
  if (bytes == 0) return;
  if (uploadPath() == UploadPath::Pinned && uploadThroughRing(device, host, bytes)) return;
  // From pageable memory (JavaScript's), cudaMemcpyAsync returns once the data is staged for the DMA,
  // so the host buffer may change right after (the driver may wait for the stream to stage it).
  checkCuda(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream()), "cudaMemcpyAsync (host to device)");
}

void copyToHost(void* host, const void* device, size_t bytes) {
  if (bytes == 0) return;
  checkCuda(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream()), "cudaMemcpyAsync (device to host)");
  synchronize();
}

void copyOnDevice(void* to, const void* from, size_t bytes) {
  if (bytes == 0) return;
  checkCuda(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, stream()), "cudaMemcpyAsync (device to device)");
}

void fillZero(void* device, size_t bytes) {
  if (bytes == 0) return;
  checkCuda(cudaMemsetAsync(device, 0, bytes, stream()), "cudaMemsetAsync");
}

void noteHostWait() { hostWaits.fetch_add(1); }

void synchronize() {
  noteHostWait();
  checkCuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
}

uint64_t hostWaitCount() { return hostWaits.load(); }

}  // namespace gated::cuda
