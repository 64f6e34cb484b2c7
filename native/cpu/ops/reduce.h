// Reductions: sums to a broadcast-compatible shape, and max / argmax along one dimension.
#pragma once
#include <cstdint>
#include <vector>

namespace gated {

// out [outShape] = sum of input [inShape] over every dimension where outShape has 1 and inShape
// does not (ranks equal). Accumulates in double. The backward of broadcasting and of sum(dims).
template <typename T>
void sumTo(const std::vector<int64_t>& inShape, const T* input, const std::vector<int64_t>& outShape, T* out);

// input viewed as [outer, n, inner]: values / indices [outer, inner] = max / argmax over n (the
// first maximum; NaN counts as the maximum, as in PyTorch).
template <typename T>
void maxAlong(int64_t outer, int64_t n, int64_t inner, const T* input, T* values, int64_t* indices);

// out [outer, n, inner] = 0, then values [outer, inner] at the positions indices pick along n (the
// backward of maxAlong).
template <typename T>
void scatterAlong(int64_t outer, int64_t n, int64_t inner, const int64_t* indices, const T* values, T* out);

// input [outer, n, inner]: out = softmax (or log-softmax) over n.
template <typename T>
void softmaxAlong(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* input, T* out);
// Given y = softmax / log-softmax output and grad of y, out = grad of the input.
template <typename T>
void softmaxBackward(bool logarithm, int64_t outer, int64_t n, int64_t inner, const T* y, const T* grad, T* out);

}  // namespace gated
