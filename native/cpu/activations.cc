#include "activations.h"

#include <atomic>

#include "../core/cell_math.h"
#include "activations_kernels.h"
#include "gemm.h"

namespace gated {
namespace {

std::atomic<ActivationKernel> selected{ActivationKernel::Vector};

template <typename T, T (*F)(T)>
void scalarMap(const T* in, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = F(in[i]);
}

activation_detail::ActivationKernels vectorKernels() {
  return activation_detail::activationKernelsFor(static_cast<int>(gemmIsa()));
}

}  // namespace

void setActivationKernel(ActivationKernel kernel) { selected.store(kernel); }
ActivationKernel activationKernel() { return selected.load(); }

void sigmoidArray(const float* in, float* out, int64_t n) {
  if (activationKernel() == ActivationKernel::Vector) vectorKernels().sigmoid(in, out, n);
  else scalarMap<float, sigmoidOf<float>>(in, out, n);
}

void tanhArray(const float* in, float* out, int64_t n) {
  if (activationKernel() == ActivationKernel::Vector) vectorKernels().tanh(in, out, n);
  else scalarMap<float, tanhOf<float>>(in, out, n);
}

void lstmRowFused(int64_t n, int64_t H, const float* x, const float* hg, const float* cPrev, float* act, float* cNext, float* hNext) {
  vectorKernels().lstmRow(n, H, x, hg, cPrev, act, cNext, hNext);
}

void gruRowFused(int64_t n, int64_t H, const float* x, const float* hg, const float* hPrev, float* act, float* hiddenN, float* hNext) {
  vectorKernels().gruRow(n, H, x, hg, hPrev, act, hiddenN, hNext);
}

void sigmoidArray(const double* in, double* out, int64_t n) { scalarMap<double, sigmoidOf<double>>(in, out, n); }
void tanhArray(const double* in, double* out, int64_t n) { scalarMap<double, tanhOf<double>>(in, out, n); }

}  // namespace gated
