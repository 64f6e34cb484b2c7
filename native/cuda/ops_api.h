// The tensor ops of native/cpu/ops on device buffers, with the same arguments and results (every
// pointer a device pointer). Plain C++: the N-API layer includes it without nvcc. Built from
// ops_cuda.cu, or from ops_stub.cc without CUDA.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/elementwise_math.h"
#include "../core/optim_math.h"
#include "../cpu/ops/strided.h"

namespace gated::cuda {

// The most dimensions a strided op on the device takes.
constexpr int kMaxRank = 8;

template <typename T>
void binaryOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
              const StridedOperand& sb, T* out);
template <typename T>
void compareOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
               const StridedOperand& sb, uint8_t* out);
template <typename T>
void unaryOp(UnaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, T* out);
// dst at (sd) = src at (ss), over `shape`.
template <typename T>
void copyInto(const std::vector<int64_t>& shape, const T* src, const StridedOperand& ss, T* dst, const StridedOperand& sd);
// out [count] = input [count] converted (NaN and infinities become 0 in integer types).
template <typename From, typename To>
void cast(const From* input, int64_t count, To* out);
template <typename T>
void unaryGrad(UnaryOp op, int64_t count, const T* grad, const T* saved, T* out);
template <typename T>
void maskedFill(const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const uint8_t* mask,
                const StridedOperand& sm, T value, T* out);
template <typename T>
void sumTo(const std::vector<int64_t>& inShape, const T* input, const std::vector<int64_t>& outShape, T* out);
template <typename T>
void maxAlong(int64_t outer, int64_t n, int64_t inner, const T* input, T* values, int64_t* indices);
// out [outer, n, inner] = 0, then values [outer, inner] at the positions indices pick along n.
template <typename T>
void scatterAlong(int64_t outer, int64_t n, int64_t inner, const int64_t* indices, const T* values, T* out);
template <typename T>
void softmaxAlong(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* input, T* out);
template <typename T>
void softmaxBackward(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* y, const T* grad, T* out);
// C [batch, M, N] = op(A) op(B) + beta C per batch entry; a batch stride of 0 reuses one matrix.
template <typename T>
void matmul(int64_t batch, int64_t M, int64_t N, int64_t K, bool transA, bool transB, const T* A, int64_t aStride,
            const T* B, int64_t bStride, T beta, T* C);
// Waits for the device: the position of the first index outside [0, rows), or -1.
template <typename I>
int64_t firstIndexOutside(const I* indices, int64_t count, int64_t rows);
// Indices outside [0, rows) read the nearest row (embeddingForward) or add nothing
// (embeddingBackward); the caller has checked them, with firstIndexOutside or by what it knows.
template <typename T, typename I>
void embeddingForward(const T* table, int64_t rows, int64_t width, const I* indices, int64_t count, T* out);
template <typename T, typename I>
void embeddingBackward(const T* grad, const I* indices, int64_t count, int64_t width, int64_t rows,
                       int64_t paddingIndex, T* gradTable);

// One optimizer step (see cpu/ops/optimizer.h), on the device.
template <typename T>
void optimizerStep(const OptimizerStep& step, int64_t count, T* param, const T* grad, T* a, T* b, T* c);

}  // namespace gated::cuda
