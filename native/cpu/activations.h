// Gate activations over arrays. float32 runs a vectorised polynomial exp (Cephes' expf, about
// 1 ulp) compiled per instruction set; float64 calls libm. Both may work in place (in == out).
#pragma once
#include <cstdint>

namespace gated {

// Vector: the polynomial kernels for float32 (the default). Scalar: cell_math.h's libm
// functions, element by element. Tests force each.
enum class ActivationKernel { Vector = 0, Scalar = 1 };
void setActivationKernel(ActivationKernel kernel);
ActivationKernel activationKernel();

// Whether the step loops take the array path (float32 with the Vector kernel) rather than
// cell_math.h's element functions (float64, or the Scalar kernel).
template <typename T> bool vectorActivations();
template <> inline bool vectorActivations<float>() { return activationKernel() == ActivationKernel::Vector; }
template <> inline bool vectorActivations<double>() { return false; }

void sigmoidArray(const float* in, float* out, int64_t n);
void tanhArray(const float* in, float* out, int64_t n);
// One row's whole float32 cell update in one vector pass (the Vector kernel's step path), every
// pointer at the row's first unit of n: x and hg [Gates blocks H apart] the input and hidden parts of
// the pre-activations; act [same layout] receives the activations. LSTM (gates i f g o):
// cNext = f cPrev + i g, hNext = o tanh(cNext). GRU reset-after (r z n): hiddenN [n] receives
// W_hn h + b_hn, hNext = (1 - z) n + z hPrev.
void lstmRowFused(int64_t n, int64_t H, const float* x, const float* hg, const float* cPrev, float* act, float* cNext, float* hNext);
void gruRowFused(int64_t n, int64_t H, const float* x, const float* hg, const float* hPrev, float* act, float* hiddenN, float* hNext);

void sigmoidArray(const double* in, double* out, int64_t n);
void tanhArray(const double* in, double* out, int64_t n);

}  // namespace gated
