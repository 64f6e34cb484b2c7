// The CUDA ops of an addon built without CUDA: unreachable in practice (no device buffer can be
// made), and each throws the reason if reached.
#include "cuda_api.h"
#include "ops_api.h"

namespace gated::cuda {
namespace {

[[noreturn]] void unavailable() { throw CudaError("gated: CUDA is not usable: " + unusableReason()); }

}  // namespace

template <typename T>
void binaryOp(BinaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, const T*, const StridedOperand&, T*) { unavailable(); }
template <typename T>
void compareOp(BinaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, const T*, const StridedOperand&, uint8_t*) { unavailable(); }
template <typename T>
void unaryOp(UnaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, T*) { unavailable(); }
template <typename T>
void copyInto(const std::vector<int64_t>&, const T*, const StridedOperand&, T*, const StridedOperand&) { unavailable(); }
template <typename From, typename To>
void cast(const From*, int64_t, To*) { unavailable(); }
template <typename T>
void scatterAlong(int64_t, int64_t, int64_t, const int64_t*, const T*, T*) { unavailable(); }
template <typename T>
void unaryGrad(UnaryOp, int64_t, const T*, const T*, T*) { unavailable(); }
template <typename T>
void maskedFill(const std::vector<int64_t>&, const T*, const StridedOperand&, const uint8_t*, const StridedOperand&, T, T*) { unavailable(); }
template <typename T>
void sumTo(const std::vector<int64_t>&, const T*, const std::vector<int64_t>&, T*) { unavailable(); }
template <typename T>
void maxAlong(int64_t, int64_t, int64_t, const T*, T*, int64_t*) { unavailable(); }
template <typename T>
void softmaxAlong(bool, int64_t, int64_t, int64_t, const T*, T*) { unavailable(); }
template <typename T>
void softmaxBackward(bool, int64_t, int64_t, int64_t, const T*, const T*, T*) { unavailable(); }
template <typename T>
void matmul(int64_t, int64_t, int64_t, int64_t, bool, bool, const T*, int64_t, const T*, int64_t, T, T*) { unavailable(); }
template <typename I>
int64_t firstIndexOutside(const I*, int64_t, int64_t) { unavailable(); }
template <typename T, typename I>
void embeddingForward(const T*, int64_t, int64_t, const I*, int64_t, T*) { unavailable(); }
template <typename T, typename I>
void embeddingBackward(const T*, const I*, int64_t, int64_t, int64_t, int64_t, T*) { unavailable(); }

template <typename T>
void optimizerStep(const OptimizerStep&, int64_t, T*, const T*, T*, T*, T*) { unavailable(); }

#include "ops_instances.h"

}  // namespace gated::cuda
