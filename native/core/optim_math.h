// The per-element updates of SGD, Adam / AdamW and RMSprop, shared by the CPU loop and the CUDA
// kernel (GATED_HD). They follow torch.optim's formulas in double precision and round each stored
// value to T, as the JavaScript implementation they replace did, so both devices agree bit for bit.
#pragma once
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace gated {

enum class OptimizerKind : int32_t { Sgd = 0, Adam = 1, RmsProp = 2 };

// One step's hyperparameters (those of the other kinds are ignored).
struct OptimizerStep {
  OptimizerKind kind = OptimizerKind::Sgd;
  double lr = 0, weightDecay = 0;
  bool maximize = false;
  double momentum = 0;  // SGD, RMSprop
  double dampening = 0;  // SGD
  bool nesterov = false, firstMomentum = false;  // SGD: the first step with momentum starts the buffer at d
  double beta1 = 0, beta2 = 0, eps = 0;  // Adam (eps: RMSprop too)
  double stepSize = 0, correction2Sqrt = 1;  // Adam: lr / (1 - beta1^t), sqrt(1 - beta2^t)
  bool amsgrad = false, decoupled = false;  // Adam: AMSGrad; AdamW's decoupled weight decay
  double alpha = 0;  // RMSprop
  bool centered = false;  // RMSprop
};

// SGD: buffer = the momentum buffer (null without momentum).
template <typename T>
GATED_HD void sgdUpdate(const OptimizerStep& s, T* param, T grad, T* buffer) {
  double d = s.maximize ? -static_cast<double>(grad) : static_cast<double>(grad);
  if (s.weightDecay != 0) d += s.weightDecay * static_cast<double>(*param);
  if (buffer) {
    *buffer = static_cast<T>(s.firstMomentum ? d : s.momentum * static_cast<double>(*buffer) + (1 - s.dampening) * d);
    d = s.nesterov ? d + s.momentum * static_cast<double>(*buffer) : static_cast<double>(*buffer);
  }
  *param = static_cast<T>(static_cast<double>(*param) - s.lr * d);
}

// Adam / AdamW: m, v the running averages; vMax AMSGrad's maximum (null without amsgrad).
template <typename T>
GATED_HD void adamUpdate(const OptimizerStep& s, T* param, T grad, T* m, T* v, T* vMax) {
  double d = s.maximize ? -static_cast<double>(grad) : static_cast<double>(grad);
  if (s.weightDecay != 0) {
    if (s.decoupled) *param = static_cast<T>(static_cast<double>(*param) * (1 - s.lr * s.weightDecay));
    else d += s.weightDecay * static_cast<double>(*param);
  }
  *m = static_cast<T>(static_cast<double>(*m) + (1 - s.beta1) * (d - static_cast<double>(*m)));
  *v = static_cast<T>(s.beta2 * static_cast<double>(*v) + (1 - s.beta2) * (d * d));
  double second = static_cast<double>(*v);
  if (vMax) {
    second = static_cast<double>(*vMax) > second ? static_cast<double>(*vMax) : second;
    *vMax = static_cast<T>(second);
  }
  using std::sqrt;
  *param = static_cast<T>(static_cast<double>(*param) -
                          s.stepSize * (static_cast<double>(*m) / (sqrt(second) / s.correction2Sqrt + s.eps)));
}

// RMSprop: square the running average of d^2; mean that of d (centered, else null); buffer the
// momentum buffer (null without momentum).
template <typename T>
GATED_HD void rmspropUpdate(const OptimizerStep& s, T* param, T grad, T* square, T* mean, T* buffer) {
  double d = s.maximize ? -static_cast<double>(grad) : static_cast<double>(grad);
  if (s.weightDecay != 0) d += s.weightDecay * static_cast<double>(*param);
  *square = static_cast<T>(s.alpha * static_cast<double>(*square) + (1 - s.alpha) * (d * d));
  double variance = static_cast<double>(*square);
  if (mean) {
    *mean = static_cast<T>(static_cast<double>(*mean) + (1 - s.alpha) * (d - static_cast<double>(*mean)));
    variance -= static_cast<double>(*mean) * static_cast<double>(*mean);
  }
  using std::sqrt;
  const double denominator = sqrt(variance) + s.eps;
  if (buffer) {
    *buffer = static_cast<T>(s.momentum * static_cast<double>(*buffer) + d / denominator);
    *param = static_cast<T>(static_cast<double>(*param) - s.lr * static_cast<double>(*buffer));
  } else {
    *param = static_cast<T>(static_cast<double>(*param) - s.lr * (d / denominator));
  }
}

// Element i of one step of any kind; a, b, c are the state arrays in the order the kind lists them
// (SGD: buffer; Adam: m, v, vMax; RMSprop: square, mean, buffer), null where unused.
template <typename T>
GATED_HD void optimizerUpdate(const OptimizerStep& s, int64_t i, T* param, const T* grad, T* a, T* b, T* c) {
  switch (s.kind) {
    case OptimizerKind::Sgd: return sgdUpdate(s, param + i, grad[i], a ? a + i : nullptr);
    case OptimizerKind::Adam: return adamUpdate(s, param + i, grad[i], a + i, b + i, c ? c + i : nullptr);
    case OptimizerKind::RmsProp: return rmspropUpdate(s, param + i, grad[i], a + i, b ? b + i : nullptr, c ? c + i : nullptr);
  }
}

}  // namespace gated
