// The CPU engine of stacked, bidirectional LSTM / GRU / RNN with per-sequence lengths.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/reduced_float.h"
#include "../core/rnn_shape.h"
#include "panel_cache.h"

namespace gated {

// One layer and direction's parameters, PyTorch layout (gates stacked along rows).
template <typename T>
struct LayerWeights {
  const T* inputWeight = nullptr;   // weight_ih [G, I_l]
  const T* hiddenWeight = nullptr;  // weight_hh [G, H]
  const T* inputBias = nullptr;     // bias_ih [G] or null
  const T* hiddenBias = nullptr;    // bias_hh [G] or null
  WeightStamp inputStamp;           // names weight_ih's data for the panel cache (panel_cache.h), or not
  WeightStamp hiddenStamp;          // the same for weight_hh
  const T* hiddenOriginal = nullptr;  // the caller's weight_hh when hiddenWeight is its rounded copy
                                      // (the panel cache keys the packed copy on it)
};

// Gradients, laid out like LayerWeights; every pointer is written (biases only when present).
template <typename T>
struct LayerWeightGrads {
  T* inputWeight = nullptr;
  T* hiddenWeight = nullptr;
  T* inputBias = nullptr;
  T* hiddenBias = nullptr;
};

struct DropoutSpec {
  double probability = 0;  // of zeroing an element of each layer's output but the last
  uint64_t seed = 0;       // with the layer index as Philox stream
  bool active() const { return probability > 0; }
};

template <typename T>
struct RnnForwardArgs {
  RnnShape shape;
  const T* input = nullptr;            // [T, B, I] ([B, T, I] when batchFirst)
  const int32_t* lengths = nullptr;    // [B] in 0..T, or null for all T
  const T* h0 = nullptr;               // [L*D, B, H] or null for zeros
  const T* c0 = nullptr;               // [L*D, B, H] or null (LSTM only)
  std::vector<LayerWeights<T>> weights;  // [L*D]
  DropoutSpec dropout;
  T* output = nullptr;                 // [T, B, D*H] ([B, T, D*H] when batchFirst)
  T* hN = nullptr;                     // [L*D, B, H]
  T* cN = nullptr;                     // [L*D, B, H] (LSTM only)
  T* reserve = nullptr;                // [ReserveLayout(shape).total()]
  bool keepActivations = true;         // false: no backward pass reads the reserve's gates (inference)
  // float32 only, forward only: BFloat16 / Float16 round both operands of every matrix product
  // (core/reduced_float.h); everything else stays float32.
  OperandPrecision precision = OperandPrecision::Float32;
};

template <typename T>
struct RnnBackwardArgs {
  RnnForwardArgs<T> forward;           // the inputs and the reserve of the forward call
  const T* dOutput = nullptr;          // like output, or null for zeros
  const T* dhN = nullptr;              // like hN, or null
  const T* dcN = nullptr;              // like cN, or null
  T* dInput = nullptr;                 // like input, or null when not wanted (CPU)
  T* dh0 = nullptr;                    // like hN
  T* dc0 = nullptr;                    // like cN (LSTM only)
  std::vector<LayerWeightGrads<T>> weightGrads;  // [L*D]
};

// How each layer's recurrence is split over the compute pool's threads (its "members"). Members
// computing different sequences never wait for each other; members splitting the hidden units of
// the same sequences wait for each other once per step, but each keeps only its block of W_hh in
// its core's cache.
//   Auto: by sequences when every member gets at least 8, else by hidden units when every member
//         gets at least 16, else one thread per direction
//   Sequences / Units: only that way, as far as there are sequences / units (the tests' variants)
//   Serial: one thread per direction
enum class RecurrenceSplit { Auto = 0, Sequences = 1, Units = 2, Serial = 3 };
void setRecurrenceSplit(RecurrenceSplit split);
RecurrenceSplit recurrenceSplit();

template <typename T> void rnnForwardCpu(const RnnForwardArgs<T>& args);
template <typename T> void rnnBackwardCpu(const RnnBackwardArgs<T>& args);

// Multiplies each element i of data [count] (the output of layer `stream`) by its dropout factor.
template <typename T> void applyDropoutMask(const DropoutSpec& spec, uint32_t stream, T* data, int64_t count);

}  // namespace gated
