#include "reduce.h"

#include <algorithm>

#include <cmath>
#include <limits>

#include "../../core/reduce_math.h"
#include "strided.h"

namespace gated {

template <typename T>
void sumTo(const std::vector<int64_t>& inShape, const T* input, const std::vector<int64_t>& outShape, T* out) {
  const int64_t rank = static_cast<int64_t>(inShape.size());
  StridedOperand in, target;
  in.strides.assign(rank, 0);
  target.strides.assign(rank, 0);
  int64_t inStep = 1, outStep = 1, outCount = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    in.strides[d] = inStep;
    inStep *= inShape[d];
    target.strides[d] = outShape[d] == 1 ? 0 : outStep;
    outStep *= outShape[d];
  }
  for (int64_t d : outShape) outCount *= d;
  std::vector<double> sums(static_cast<size_t>(outCount), 0.0);
  const StridedOperand* const operands[2] = {&in, &target};
  forEachElement(inShape, operands, [&](int64_t, const int64_t* at) { sums[at[1]] += static_cast<double>(input[at[0]]); });
  for (int64_t i = 0; i < outCount; ++i) out[i] = static_cast<T>(sums[i]);
}

template <typename T>
void maxAlong(int64_t outer, int64_t n, int64_t inner, const T* input, T* values, int64_t* indices) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* column = input + o * n * inner + i;
      const int64_t best = firstMaxIndex(column, n, inner);
      values[o * inner + i] = column[best * inner];
      indices[o * inner + i] = best;
    }
  }
}

template <typename T>
void scatterAlong(int64_t outer, int64_t n, int64_t inner, const int64_t* indices, const T* values, T* out) {
  std::fill_n(out, outer * n * inner, T(0));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) out[(o * n + indices[o * inner + i]) * inner + i] = values[o * inner + i];
  }
}

template <typename T>
void softmaxAlong(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* input, T* out) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* x = input + o * n * inner + i;
      T* y = out + o * n * inner + i;
      T peak = -std::numeric_limits<T>::infinity();
      for (int64_t k = 0; k < n; ++k) peak = x[k * inner] > peak ? x[k * inner] : peak;
      double total = 0;
      for (int64_t k = 0; k < n; ++k) total += std::exp(static_cast<double>(x[k * inner] - peak));
      const double logTotal = std::log(total);
      for (int64_t k = 0; k < n; ++k) {
        const double shifted = static_cast<double>(x[k * inner] - peak);
        y[k * inner] = static_cast<T>(logarithm ? shifted - logTotal : std::exp(shifted - logTotal));
      }
    }
  }
}

template <typename T>
void softmaxBackward(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* y, const T* grad, T* out) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      double dot = 0;  // log-softmax: sum(grad); softmax: sum(grad * y)
      for (int64_t k = 0; k < n; ++k) {
        const int64_t at = base + k * inner;
        dot += logarithm ? static_cast<double>(grad[at]) : static_cast<double>(grad[at]) * y[at];
      }
      for (int64_t k = 0; k < n; ++k) {
        const int64_t at = base + k * inner;
        out[at] = logarithm ? static_cast<T>(grad[at] - std::exp(static_cast<double>(y[at])) * dot)
                            : static_cast<T>(y[at] * (grad[at] - dot));
      }
    }
  }
}

template void sumTo<float>(const std::vector<int64_t>&, const float*, const std::vector<int64_t>&, float*);
template void sumTo<double>(const std::vector<int64_t>&, const double*, const std::vector<int64_t>&, double*);
template void sumTo<int32_t>(const std::vector<int64_t>&, const int32_t*, const std::vector<int64_t>&, int32_t*);
template void sumTo<int64_t>(const std::vector<int64_t>&, const int64_t*, const std::vector<int64_t>&, int64_t*);
template void maxAlong<float>(int64_t, int64_t, int64_t, const float*, float*, int64_t*);
template void maxAlong<double>(int64_t, int64_t, int64_t, const double*, double*, int64_t*);
template void maxAlong<int32_t>(int64_t, int64_t, int64_t, const int32_t*, int32_t*, int64_t*);
template void maxAlong<int64_t>(int64_t, int64_t, int64_t, const int64_t*, int64_t*, int64_t*);
template void scatterAlong<float>(int64_t, int64_t, int64_t, const int64_t*, const float*, float*);
template void scatterAlong<double>(int64_t, int64_t, int64_t, const int64_t*, const double*, double*);
template void scatterAlong<int32_t>(int64_t, int64_t, int64_t, const int64_t*, const int32_t*, int32_t*);
template void scatterAlong<int64_t>(int64_t, int64_t, int64_t, const int64_t*, const int64_t*, int64_t*);
template void softmaxAlong<float>(bool, int64_t, int64_t, int64_t, const float*, float*);
template void softmaxAlong<double>(bool, int64_t, int64_t, int64_t, const double*, double*);
template void softmaxBackward<float>(bool, int64_t, int64_t, int64_t, const float*, const float*, float*);
template void softmaxBackward<double>(bool, int64_t, int64_t, int64_t, const double*, const double*, double*);

}  // namespace gated
