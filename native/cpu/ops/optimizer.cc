#include "optimizer.h"

namespace gated {

template <typename T>
void optimizerStep(const OptimizerStep& step, int64_t count, T* param, const T* grad, T* a, T* b, T* c) {
  for (int64_t i = 0; i < count; ++i) optimizerUpdate(step, i, param, grad, a, b, c);
}

template void optimizerStep<float>(const OptimizerStep&, int64_t, float*, const float*, float*, float*, float*);
template void optimizerStep<double>(const OptimizerStep&, int64_t, double*, const double*, double*, double*, double*);

}  // namespace gated
