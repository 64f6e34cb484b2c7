#include "optimizer.h"

#include "../pool.h"
#include "../row_kernel.h"

namespace gated {
namespace {

// Elements per part when a step is split over the compute pool.
constexpr int64_t kElementsPerPart = int64_t(1) << 15;

// The per-element loops of each kind over n elements. The hyperparameters arrive by value and the
// arrays as __restrict, with each optional array's test outside its loop, so the loops vectorise
// (the math stays the double-precision math of optim_math.h, element for element).
template <typename T>
GATED_ROW_KERNEL void sgdRange(const OptimizerStep s, int64_t n, T* __restrict param, const T* __restrict grad,
                               T* __restrict buffer) {
  if (buffer) for (int64_t i = 0; i < n; ++i) sgdUpdate(s, param + i, grad[i], buffer + i);
  else for (int64_t i = 0; i < n; ++i) sgdUpdate<T>(s, param + i, grad[i], nullptr);
}

template <typename T>
GATED_ROW_KERNEL void adamRange(const OptimizerStep s, int64_t n, T* __restrict param, const T* __restrict grad,
                                T* __restrict m, T* __restrict v, T* __restrict vMax) {
  if (vMax) for (int64_t i = 0; i < n; ++i) adamUpdate(s, param + i, grad[i], m + i, v + i, vMax + i);
  else for (int64_t i = 0; i < n; ++i) adamUpdate<T>(s, param + i, grad[i], m + i, v + i, nullptr);
}

template <typename T>
GATED_ROW_KERNEL void rmspropRange(const OptimizerStep s, int64_t n, T* __restrict param, const T* __restrict grad,
                                   T* __restrict square, T* __restrict mean, T* __restrict buffer) {
  for (int64_t i = 0; i < n; ++i) {
    rmspropUpdate(s, param + i, grad[i], square + i, mean ? mean + i : nullptr, buffer ? buffer + i : nullptr);
  }
}

// Elements [begin, end) of one step, the kind chosen once, outside the loop.
template <typename T>
void updateRange(const OptimizerStep& s, int64_t begin, int64_t end, T* param, const T* grad, T* a, T* b, T* c) {
  const auto at = [begin](T* array) { return array ? array + begin : nullptr; };
  const int64_t n = end - begin;
  switch (s.kind) {
    case OptimizerKind::Sgd: return sgdRange(s, n, param + begin, grad + begin, at(a));
    case OptimizerKind::Adam: return adamRange(s, n, param + begin, grad + begin, at(a), at(b), at(c));
    case OptimizerKind::RmsProp: return rmspropRange(s, n, param + begin, grad + begin, at(a), at(b), at(c));
  }
}

}  // namespace

template <typename T>
void optimizerStep(const OptimizerStep& step, int64_t count, T* param, const T* grad, T* a, T* b, T* c) {
  parallelRun(static_cast<int>(count / kElementsPerPart), [&](int part, int parts) {
    int64_t begin, end;
    partRange(count, part, parts, 64, &begin, &end);
    updateRange(step, begin, end, param, grad, a, b, c);
  });
}

template void optimizerStep<float>(const OptimizerStep&, int64_t, float*, const float*, float*, float*, float*);
template void optimizerStep<double>(const OptimizerStep&, int64_t, double*, const double*, double*, double*, double*);

}  // namespace gated
