#include "optimizer.h"

#include "../pool.h"

namespace gated {
namespace {

// Elements per part when a step is split over the compute pool.
constexpr int64_t kElementsPerPart = int64_t(1) << 15;

// The loop over [begin, end) with the kind chosen once, outside it.
template <typename T>
void updateRange(const OptimizerStep& s, int64_t begin, int64_t end, T* param, const T* grad, T* a, T* b, T* c) {
  switch (s.kind) {
    case OptimizerKind::Sgd:
      for (int64_t i = begin; i < end; ++i) sgdUpdate(s, param + i, grad[i], a ? a + i : nullptr);
      return;
    case OptimizerKind::Adam:
      for (int64_t i = begin; i < end; ++i) adamUpdate(s, param + i, grad[i], a + i, b + i, c ? c + i : nullptr);
      return;
    case OptimizerKind::RmsProp:
      for (int64_t i = begin; i < end; ++i) rmspropUpdate(s, param + i, grad[i], a + i, b ? b + i : nullptr, c ? c + i : nullptr);
      return;
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
