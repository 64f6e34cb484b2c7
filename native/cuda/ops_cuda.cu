// The tensor ops on CUDA: element-wise kernels over strided operands (the scalar arithmetic shared
// with the CPU in core/elementwise_math.h), deterministic reductions (fixed order, no atomics on
// values), softmax, matmul through cuBLAS, and the embedding lookup and its gradient.
#include <cfloat>
#include <cmath>
#include <type_traits>

#include "../core/reduce_math.h"
#include "device_buffer.h"
#include "grid_loop.cuh"
#include "gemm_cuda.h"
#include "ops_api.h"
#include "runtime.h"

namespace gated::cuda {
namespace {

// Up to three operands addressed by strides over one shape, passed to kernels by value.
struct Layout {
  int rank = 0;
  int64_t count = 1;
  int64_t shape[kMaxRank] = {};
  int64_t strides[3][kMaxRank] = {};
  int64_t offsets[3] = {};
};

Layout layoutOf(const std::vector<int64_t>& shape, std::initializer_list<const StridedOperand*> operands) {
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    throw CudaError("gated: CUDA ops take at most " + std::to_string(kMaxRank) + " dimensions");
  }
  Layout layout;
  layout.rank = static_cast<int>(shape.size());
  for (int d = 0; d < layout.rank; ++d) {
    layout.shape[d] = shape[d];
    layout.count *= shape[d];
  }
  int k = 0;
  for (const StridedOperand* operand : operands) {
    for (int d = 0; d < layout.rank; ++d) layout.strides[k][d] = operand->strides[d];
    layout.offsets[k++] = operand->offset;
  }
  return layout;
}

// The element positions of operands 0..N-1 for row-major output index `index`.
template <int N>
__device__ __forceinline__ void positionsOf(const Layout& layout, int64_t index, int64_t (&at)[N]) {
  for (int k = 0; k < N; ++k) at[k] = layout.offsets[k];
  for (int d = layout.rank - 1; d >= 0; --d) {
    const int64_t coordinate = index % layout.shape[d];
    index /= layout.shape[d];
    for (int k = 0; k < N; ++k) at[k] += coordinate * layout.strides[k][d];
  }
}


template <typename T>
__global__ void binaryKernel(BinaryOp op, Layout layout, const T* a, const T* b, T* out) {
  GATED_GRID_LOOP(i, layout.count) {
    int64_t at[2];
    positionsOf(layout, i, at);
    out[i] = arithmetic(op, a[at[0]], b[at[1]]);
  }
}

template <typename T>
__global__ void compareKernel(BinaryOp op, Layout layout, const T* a, const T* b, uint8_t* out) {
  GATED_GRID_LOOP(i, layout.count) {
    int64_t at[2];
    positionsOf(layout, i, at);
    out[i] = compare(op, a[at[0]], b[at[1]]) ? 1 : 0;
  }
}

// Integer types take only the exact ops (copy, neg, relu, abs, square); the bindings check that.
template <typename T>
__device__ __forceinline__ T applyUnary(UnaryOp op, T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return unary(op, x);
  } else {
    switch (op) {
      case UnaryOp::Neg: return static_cast<T>(-x);
      case UnaryOp::Relu: return x > T(0) ? x : T(0);
      case UnaryOp::Abs:
        if constexpr (std::is_signed_v<T>) return x < T(0) ? static_cast<T>(-x) : x;
        return x;
      case UnaryOp::Square: return static_cast<T>(x * x);
      default: return x;
    }
  }
}

template <typename T>
__global__ void unaryKernel(UnaryOp op, Layout layout, const T* a, T* out) {
  GATED_GRID_LOOP(i, layout.count) {
    int64_t at[1];
    positionsOf(layout, i, at);
    out[i] = applyUnary(op, a[at[0]]);
  }
}

template <typename T>
__global__ void copyIntoKernel(Layout layout, const T* src, T* dst) {
  GATED_GRID_LOOP(i, layout.count) {
    int64_t at[2];
    positionsOf(layout, i, at);
    dst[at[1]] = src[at[0]];
  }
}

template <typename From, typename To>
__global__ void castKernel(const From* input, int64_t count, To* out) {
  GATED_GRID_LOOP(i, count) {
    const From v = input[i];
    if constexpr (std::is_same_v<To, uint8_t>) {
      out[i] = v != From(0) ? 1 : 0;
    } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
      // As the CPU (JavaScript) casts: truncate, wrap to the type's width, non-finite to 0.
      const double truncated = trunc(static_cast<double>(v));
      out[i] = isfinite(truncated) && fabs(truncated) < 9.2e18 ? static_cast<To>(static_cast<long long>(truncated)) : To(0);
    } else {
      out[i] = static_cast<To>(v);
    }
  }
}

// An index outside [0, n) writes nothing: calls the host did not check (checked indices) never
// reach outside out.
template <typename T>
__global__ void scatterAlongKernel(int64_t outer, int64_t n, int64_t inner, const int64_t* indices, const T* values, T* out) {
  GATED_GRID_LOOP(index, outer * inner) {
    const int64_t o = index / inner, i = index % inner, k = indices[index];
    if (k >= 0 && k < n) out[(o * n + k) * inner + i] = values[index];
  }
}

template <typename T>
__global__ void unaryGradKernel(UnaryOp op, int64_t count, const T* grad, const T* saved, T* out) {
  GATED_GRID_LOOP(i, count) out[i] = grad[i] * slope(op, saved[i]);
}

template <typename T>
__global__ void maskedFillKernel(Layout layout, const T* a, const uint8_t* mask, T value, T* out) {
  GATED_GRID_LOOP(i, layout.count) {
    int64_t at[2];
    positionsOf(layout, i, at);
    out[i] = mask[at[1]] ? value : a[at[0]];
  }
}

// sumTo: one block per output element; each thread sums a fixed stride of the reduced positions in
// double, then the block adds the partial sums in a fixed tree order.
struct Reduction {
  int keptRank = 0, reducedRank = 0;
  int64_t keptShape[kMaxRank] = {}, keptStrides[kMaxRank] = {};
  int64_t reducedShape[kMaxRank] = {}, reducedStrides[kMaxRank] = {};
  int64_t reducedCount = 1, outCount = 1;
};

__device__ __forceinline__ int64_t offsetOf(int64_t index, int rank, const int64_t* shape, const int64_t* strides) {
  int64_t offset = 0;
  for (int d = rank - 1; d >= 0; --d) {
    offset += (index % shape[d]) * strides[d];
    index /= shape[d];
  }
  return offset;
}

// Sums of the reduced positions [chunk * perChunk, ...) of output o, one block per (o, chunk) pair.
// With one chunk the sum goes straight to out; else to partials [outCount, chunks] for finishSums.
template <typename T>
__global__ void sumToKernel(Reduction r, const T* input, int64_t perChunk, int chunks, T* out, double* partials) {
  __shared__ double partial[kThreads];
  for (int64_t pair = blockIdx.x; pair < r.outCount * chunks; pair += gridDim.x) {
    const int64_t o = pair / chunks, begin = (pair % chunks) * perChunk;
    const int64_t end = begin + perChunk < r.reducedCount ? begin + perChunk : r.reducedCount;
    const int64_t base = offsetOf(o, r.keptRank, r.keptShape, r.keptStrides);
    double sum = 0;
    for (int64_t k = begin + threadIdx.x; k < end; k += blockDim.x) {
      sum += static_cast<double>(input[base + offsetOf(k, r.reducedRank, r.reducedShape, r.reducedStrides)]);
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width /= 2) {
      if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      if (chunks == 1) out[o] = static_cast<T>(partial[0]);
      else partials[pair] = partial[0];
    }
    __syncthreads();
  }
}

// out [outCount] = the chunks' partial sums of each output, added in chunk order.
template <typename T>
__global__ void finishSums(int64_t outCount, int chunks, const double* partials, T* out) {
  GATED_GRID_LOOP(o, outCount) {
    double sum = 0;
    for (int c = 0; c < chunks; ++c) sum += partials[o * chunks + c];
    out[o] = static_cast<T>(sum);
  }
}

template <typename T>
__global__ void optimizerKernel(OptimizerStep step, int64_t count, T* param, const T* grad, T* a, T* b, T* c) {
  GATED_GRID_LOOP(i, count) optimizerUpdate(step, i, param, grad, a, b, c);
}

template <typename T>
__global__ void maxAlongKernel(int64_t outer, int64_t n, int64_t inner, const T* input, T* values, int64_t* indices) {
  GATED_GRID_LOOP(index, outer * inner) {
    const int64_t o = index / inner, i = index % inner;
    const T* column = input + o * n * inner + i;
    const int64_t best = firstMaxIndex(column, n, inner);
    values[index] = column[best * inner];
    indices[index] = best;
  }
}

template <typename T>
__global__ void softmaxKernel(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* input, T* out) {
  GATED_GRID_LOOP(index, outer * inner) {
    const int64_t o = index / inner, i = index % inner;
    const T* x = input + o * n * inner + i;
    T* y = out + o * n * inner + i;
    T peak = -INFINITY;
    for (int64_t k = 0; k < n; ++k) peak = x[k * inner] > peak ? x[k * inner] : peak;
    double total = 0;
    for (int64_t k = 0; k < n; ++k) total += exp(static_cast<double>(x[k * inner] - peak));
    const double logTotal = log(total);
    for (int64_t k = 0; k < n; ++k) {
      const double shifted = static_cast<double>(x[k * inner] - peak);
      y[k * inner] = static_cast<T>(logarithm ? shifted - logTotal : exp(shifted - logTotal));
    }
  }
}

template <typename T>
__global__ void softmaxBackwardKernel(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* y, const T* grad,
                                      T* out) {
  GATED_GRID_LOOP(index, outer * inner) {
    const int64_t o = index / inner, i = index % inner, base = o * n * inner + i;
    double dot = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * inner;
      dot += logarithm ? static_cast<double>(grad[at]) : static_cast<double>(grad[at]) * y[at];
    }
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * inner;
      out[at] = logarithm ? static_cast<T>(grad[at] - exp(static_cast<double>(y[at])) * dot)
                          : static_cast<T>(y[at] * (grad[at] - dot));
    }
  }
}

template <typename I>
__global__ void firstOutsideKernel(const I* indices, int64_t count, int64_t rows, unsigned long long* first) {
  GATED_GRID_LOOP(i, count) {
    if (indices[i] < 0 || static_cast<int64_t>(indices[i]) >= rows) atomicMin(first, static_cast<unsigned long long>(i));
  }
}

// An index outside [0, rows) reads the nearest row, so that unchecked indices (see
// scatterAlongKernel) never read outside the table.
template <typename T, typename I>
__global__ void gatherRows(const T* table, int64_t rows, int64_t width, const I* indices, int64_t count, T* out) {
  GATED_GRID_LOOP(i, count * width) {
    const int64_t row = static_cast<int64_t>(indices[i / width]);
    out[i] = table[(row < 0 ? 0 : row >= rows ? rows - 1 : row) * width + i % width];
  }
}

}  // namespace

template <typename T>
void binaryOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
              const StridedOperand& sb, T* out) {
  const Layout layout = layoutOf(shape, {&sa, &sb});
  launchOver("binaryKernel", layout.count, binaryKernel<T>, op, layout, a, b, out);
}

template <typename T>
void compareOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
               const StridedOperand& sb, uint8_t* out) {
  const Layout layout = layoutOf(shape, {&sa, &sb});
  launchOver("compareKernel", layout.count, compareKernel<T>, op, layout, a, b, out);
}

template <typename T>
void unaryOp(UnaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, T* out) {
  const Layout layout = layoutOf(shape, {&sa});
  launchOver("unaryKernel", layout.count, unaryKernel<T>, op, layout, a, out);
}

template <typename T>
void copyInto(const std::vector<int64_t>& shape, const T* src, const StridedOperand& ss, T* dst, const StridedOperand& sd) {
  const Layout layout = layoutOf(shape, {&ss, &sd});
  launchOver("copyIntoKernel", layout.count, copyIntoKernel<T>, layout, src, dst);
}

template <typename From, typename To>
void cast(const From* input, int64_t count, To* out) {
  launchOver("castKernel", count, castKernel<From, To>, input, count, out);
}

template <typename T>
void scatterAlong(int64_t outer, int64_t n, int64_t inner, const int64_t* indices, const T* values, T* out) {
  fillZero(out, sizeof(T) * outer * n * inner);
  launchOver("scatterAlongKernel", outer * inner, scatterAlongKernel<T>, outer, n, inner, indices, values, out);
}

template <typename T>
void unaryGrad(UnaryOp op, int64_t count, const T* grad, const T* saved, T* out) {
  launchOver("unaryGradKernel", count, unaryGradKernel<T>, op, count, grad, saved, out);
}

template <typename T>
void maskedFill(const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const uint8_t* mask,
                const StridedOperand& sm, T value, T* out) {
  const Layout layout = layoutOf(shape, {&sa, &sm});
  launchOver("maskedFillKernel", layout.count, maskedFillKernel<T>, layout, a, mask, value, out);
}

template <typename T>
void sumTo(const std::vector<int64_t>& inShape, const T* input, const std::vector<int64_t>& outShape, T* out) {
  const int rank = static_cast<int>(inShape.size());
  if (rank > kMaxRank) throw CudaError("gated: CUDA ops take at most " + std::to_string(kMaxRank) + " dimensions");
  Reduction r;
  int64_t stride = 1;
  int64_t inCount = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const bool reduced = outShape[d] == 1 && inShape[d] != 1;
    int64_t* shape = reduced ? r.reducedShape : r.keptShape;
    int64_t* strides = reduced ? r.reducedStrides : r.keptStrides;
    int& count = reduced ? r.reducedRank : r.keptRank;
    // Dimensions are collected innermost first; shift to keep them outermost first.
    for (int k = count; k > 0; --k) {
      shape[k] = shape[k - 1];
      strides[k] = strides[k - 1];
    }
    shape[0] = inShape[d];
    strides[0] = stride;
    count += 1;
    stride *= inShape[d];
    inCount *= inShape[d];
    if (reduced) r.reducedCount *= inShape[d];
    else r.outCount *= outShape[d];
  }
  if (r.outCount == 0) return;
  if (inCount == 0) {
    fillZero(out, sizeof(T) * r.outCount);
    return;
  }
  // Long reductions are split into chunks summed by separate blocks, then added in a fixed order.
  constexpr int64_t kChunk = int64_t(1) << 14;
  int64_t chunks = r.reducedCount >= 4 * kChunk ? (r.reducedCount + kChunk - 1) / kChunk : 1;
  chunks = chunks < 1024 ? chunks : 1024;
  while (chunks > 1 && r.outCount * chunks > (int64_t(1) << 24)) chunks /= 2;
  const int64_t perChunk = (r.reducedCount + chunks - 1) / chunks;
  DeviceScratch<double> partials(chunks > 1 ? r.outCount * chunks : 0);
  const int64_t pairs = r.outCount * chunks;
  sumToKernel<T><<<static_cast<unsigned>(pairs < 65536 ? pairs : 65536), kThreads, 0, stream()>>>(
      r, input, perChunk, static_cast<int>(chunks), out, partials.get());
  checkLaunch("sumToKernel");
  if (chunks > 1) launchOver("finishSums", r.outCount, finishSums<T>, r.outCount, static_cast<int>(chunks), static_cast<const double*>(partials.get()), out);
}

template <typename T>
void maxAlong(int64_t outer, int64_t n, int64_t inner, const T* input, T* values, int64_t* indices) {
  launchOver("maxAlongKernel", outer * inner, maxAlongKernel<T>, outer, n, inner, input, values, indices);
}

template <typename T>
void softmaxAlong(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* input, T* out) {
  launchOver("softmaxKernel", outer * inner, softmaxKernel<T>, logarithm, outer, n, inner, input, out);
}

template <typename T>
void softmaxBackward(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* y, const T* grad, T* out) {
  launchOver("softmaxBackwardKernel", outer * inner, softmaxBackwardKernel<T>, logarithm, outer, n, inner, y, grad, out);
}

template <typename T>
void matmul(int64_t batch, int64_t M, int64_t N, int64_t K, bool transA, bool transB, const T* A, int64_t aStride,
            const T* B, int64_t bStride, T beta, T* C) {
  if (K == 0) {
    if (beta == T(0)) fillZero(C, sizeof(T) * batch * M * N);
    return;
  }
  for (int64_t i = 0; i < batch; ++i) {
    gemm<T>(transA, transB, M, N, K, T(1), A + i * aStride, transA ? M : K, B + i * bStride, transB ? K : N, beta,
            C + i * M * N, N);
  }
}

template <typename I>
int64_t firstIndexOutside(const I* indices, int64_t count, int64_t rows) {
  if (count == 0) return -1;
  DeviceScratch<unsigned long long> first(1);
  const unsigned long long none = static_cast<unsigned long long>(count);
  copyToDevice(first.get(), &none, sizeof none);
  launchOver("firstOutsideKernel", count, firstOutsideKernel<I>, indices, count, rows, first.get());
  unsigned long long found = none;
  copyToHost(&found, first.get(), sizeof found);
  return found == none ? -1 : static_cast<int64_t>(found);
}

template <typename T, typename I>
void embeddingForward(const T* table, int64_t rows, int64_t width, const I* indices, int64_t count, T* out) {
  if (rows == 0) return;  // then no index is valid, and the caller's check has thrown (or count is 0)
  launchOver("gatherRows", count * width, gatherRows<T, I>, table, rows, width, indices, count, out);
}

template <typename T>
void optimizerStep(const OptimizerStep& step, int64_t count, T* param, const T* grad, T* a, T* b, T* c) {
  launchOver("optimizerKernel", count, optimizerKernel<T>, step, count, param, grad, a, b, c);
}

#include "ops_instances.h"

}  // namespace gated::cuda
