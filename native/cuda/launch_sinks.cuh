// Where the GEMM path's step loops send their work (rnn_cuda.cu). Enqueue queues each kernel and
// GEMM on the stream. LaunchRecord writes the same calls down instead, every argument byte for
// byte: two loops with equal records queue identical work, so a CUDA graph captured from one may
// run in place of the other (step_graphs.h).
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "gemm_cuda.h"
#include "runtime.h"

namespace gated::cuda {

// Launches `kernel` over `threads` threads (kThreads a block) on the stream; nothing for 0 threads.
template <typename... KernelArgs, typename... Args>
void launch(const char* name, int64_t threads, void (*kernel)(KernelArgs...), Args... args) {
  if (threads == 0) return;
  kernel<<<blocksFor(threads), kThreads, 0, stream()>>>(args...);
  checkLaunch(name);
}

// Queues each call on the stream.
struct Enqueue {
  template <typename... KernelArgs, typename... Args>
  void kernel(const char* name, int64_t threads, void (*fn)(KernelArgs...), Args... args) {
    launch(name, threads, fn, args...);
  }
  template <typename T>
  void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
            int64_t ldb, T beta, T* C, int64_t ldc) {
    cuda::gemm<T>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  void gemmReduced(OperandPrecision precision, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                   const uint16_t* A, int64_t lda, const uint16_t* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    cuda::gemmReduced(precision, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
};

// Writes each call down: a tag, then what identifies the kernel or the GEMM's type, then every
// argument as the callee receives it. It starts with the stream (which also picks the cuBLAS
// handle) and the math mode, on which the GEMMs depend too. The tag and the kernel fix the sizes of
// what follows, so equal records are equal call sequences.
class LaunchRecord {
 public:
  LaunchRecord() {
    note(stream());
    note(tf32());
  }

  template <typename... KernelArgs, typename... Args>
  void kernel(const char*, int64_t threads, void (*fn)(KernelArgs...), Args... args) {
    note('k');
    note(fn);
    note(threads);
    (note(static_cast<KernelArgs>(args)), ...);
  }
  template <typename T>
  void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
            int64_t ldb, T beta, T* C, int64_t ldc) {
    note('g');
    note(sizeof(T));
    noteProduct(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  void gemmReduced(OperandPrecision precision, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                   const uint16_t* A, int64_t lda, const uint16_t* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    note('r');
    note(precision);
    noteProduct(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }

  const std::string& bytes() const { return bytes_; }

 private:
  template <typename Value>
  void note(const Value& value) {
    static_assert(std::is_trivially_copyable_v<Value>, "a launch argument is copied byte for byte");
    // Padding bytes are indeterminate: two equal calls could then differ here (floats compare by
    // their bits, which is what a captured launch would pass).
    static_assert(std::has_unique_object_representations_v<Value> || std::is_floating_point_v<Value>,
                  "a launch argument with padding bytes");
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  template <typename... Values>
  void noteProduct(const Values&... values) {
    (note(values), ...);
  }

  std::string bytes_;
};

}  // namespace gated::cuda
