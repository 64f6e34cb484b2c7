// One optimizer step over a parameter's elements (see core/optim_math.h).
#pragma once
#include <cstdint>

#include "../../core/optim_math.h"

namespace gated {

// param [count] updated in place from grad [count]; a, b, c [count] the kind's state arrays or null.
template <typename T>
void optimizerStep(const OptimizerStep& step, int64_t count, T* param, const T* grad, T* a, T* b, T* c);

}  // namespace gated
