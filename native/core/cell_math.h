// Element-wise gate arithmetic of every cell, forward and backward, for one hidden unit of one
// sequence. Shared by the CPU loops and the CUDA kernels (GATED_HD), so the CPU tests cover both.
// "pre" values are gate pre-activations; "d" values are gradients of the loss.
#pragma once
#include <cmath>
#include "hd.h"

namespace gated {

template <typename T> GATED_HD T sigmoidOf(T x) { using std::exp; return T(1) / (T(1) + exp(-x)); }
template <typename T> GATED_HD T tanhOf(T x) { using std::tanh; return tanh(x); }

// LSTM, gates i f g o. Writes the activations and the new cell and hidden values.
template <typename T>
GATED_HD void lstmForward(T preI, T preF, T preG, T preO, T cPrev, T* i, T* f, T* g, T* o, T* c, T* h) {
  *i = sigmoidOf(preI); *f = sigmoidOf(preF); *g = tanhOf(preG); *o = sigmoidOf(preO);
  *c = *f * cPrev + *i * *g;
  *h = *o * tanhOf(*c);
}

// dh, dc: gradients reaching h_t and c_t; tc = tanh(c_t). Writes the pre-activation gradients and dc_{t-1}.
template <typename T>
GATED_HD void lstmBackwardWithTanh(T i, T f, T g, T o, T tc, T cPrev, T dh, T dc, T* dPreI, T* dPreF, T* dPreG,
                                   T* dPreO, T* dcPrev) {
  const T dcTotal = dc + dh * o * (T(1) - tc * tc);
  *dPreI = dcTotal * g * i * (T(1) - i);
  *dPreF = dcTotal * cPrev * f * (T(1) - f);
  *dPreG = dcTotal * i * (T(1) - g * g);
  *dPreO = dh * tc * o * (T(1) - o);
  *dcPrev = dcTotal * f;
}

// The same, computing tanh(c_t) itself.
template <typename T>
GATED_HD void lstmBackward(T i, T f, T g, T o, T c, T cPrev, T dh, T dc, T* dPreI, T* dPreF, T* dPreG,
                           T* dPreO, T* dcPrev) {
  lstmBackwardWithTanh(i, f, g, o, tanhOf(c), cPrev, dh, dc, dPreI, dPreF, dPreG, dPreO, dcPrev);
}

// GRU update shared by both forms: h = (1 - z) * n + z * hPrev.
template <typename T> GATED_HD T gruBlend(T z, T n, T hPrev) { return (T(1) - z) * n + z * hPrev; }

// GRU, PyTorch / cuDNN form: n = tanh(xn + r * hn), with hn = W_hn h + b_hn.
template <typename T>
GATED_HD void gruForward(T xr, T xz, T xn, T hr, T hz, T hn, T hPrev, T* r, T* z, T* n, T* h) {
  *r = sigmoidOf(xr + hr); *z = sigmoidOf(xz + hz); *n = tanhOf(xn + *r * hn);
  *h = gruBlend(*z, *n, hPrev);
}

// Writes the gradients of the input-side pre-activations (xr, xz, xn), of the hidden-side product
// hn, and the part of dh_{t-1} that does not pass through W_hh.
template <typename T>
GATED_HD void gruBackward(T r, T z, T n, T hn, T hPrev, T dh, T* dxr, T* dxz, T* dxn, T* dhn,
                          T* dhPrevDirect) {
  const T dPreN = dh * (T(1) - z) * (T(1) - n * n);
  *dxz = dh * (hPrev - n) * z * (T(1) - z);
  *dxr = dPreN * hn * r * (T(1) - r);
  *dxn = dPreN;
  *dhn = dPreN * r;
  *dhPrevDirect = dh * z;
}

// GRU, textbook form: n = tanh(xn + W_hn (r * h)). Its backward runs in two halves around the
// product with W_hn: first the z and n gradients, then, given d(r*h), the r gradient.
template <typename T>
GATED_HD void gruResetBeforeBackwardZN(T z, T n, T hPrev, T dh, T* dPreZ, T* dPreN, T* dhPrevDirect) {
  *dPreN = dh * (T(1) - z) * (T(1) - n * n);
  *dPreZ = dh * (hPrev - n) * z * (T(1) - z);
  *dhPrevDirect = dh * z;
}
template <typename T>
GATED_HD void gruResetBeforeBackwardR(T r, T hPrev, T dResetHidden, T* dPreR, T* dhPrevDirect) {
  *dPreR = dResetHidden * hPrev * r * (T(1) - r);
  *dhPrevDirect += dResetHidden * r;
}

// Plain RNN: h = tanh(pre) or relu(pre); the derivative is read off h itself.
template <typename T> GATED_HD T rnnActivate(bool relu, T pre) { return relu ? (pre > T(0) ? pre : T(0)) : tanhOf(pre); }
template <typename T> GATED_HD T rnnActivationSlope(bool relu, T h) { return relu ? (h > T(0) ? T(1) : T(0)) : T(1) - h * h; }

}  // namespace gated
