// The arguments of rnnForward / rnnBackward, shared by the CPU and CUDA bindings. `Memory` says
// where the float buffers live: HostMemory (typed arrays) or DeviceMemory (CUDA buffers, in
// cuda_buffer.h). lengths is always a host Int32Array.
#pragma once
#include <napi.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/rnn_shape.h"
#include "../cpu/rnn_cpu.h"
#include "args.h"
#include "host_block.h"

namespace gated::napi {

struct HostMemory {
  template <typename T>
  static T* data(const Napi::Value& value, const std::string& name, int64_t length) {
    return typedArrayData<T>(value, name, length);
  }
  template <typename T>
  static T* optionalData(const Napi::Value& value, const std::string& name, int64_t length) {
    return optionalTypedArrayData<T>(value, name, length);
  }
  // A forward pass's reserve: a host block (host_block.h).
  template <typename T>
  static T* reserve(const Napi::Value& value, const std::string& name, int64_t length) {
    return hostBlockData<T>(value, name, length);
  }
};

constexpr int64_t kMaxDimension = int64_t(1) << 31;

inline RnnShape parseShape(const Napi::Object& spec) {
  RnnShape s;
  s.cell = static_cast<Cell>(integerField(spec, "cell", 0, 4));
  s.inputSize = integerField(spec, "inputSize", 1, kMaxDimension);
  s.hiddenSize = integerField(spec, "hiddenSize", 1, kMaxDimension);
  s.numLayers = integerField(spec, "numLayers", 1, 1 << 16);
  s.bidirectional = booleanField(spec, "bidirectional");
  s.hasBias = booleanField(spec, "bias");
  s.batchFirst = booleanField(spec, "batchFirst");
  s.seqLen = integerField(spec, "seqLen", 1, kMaxDimension);
  s.batch = integerField(spec, "batch", 1, kMaxDimension);
  const double widest = static_cast<double>(std::max({s.inputSize, s.gateWidth(), s.layerOutputSize()}));
  const double largestBuffer = static_cast<double>(s.seqLen + 1) * static_cast<double>(s.batch) * widest *
                               static_cast<double>(s.stateCount());
  if (largestBuffer > 1e15 || static_cast<double>(s.gateWidth()) * widest > 1e15) {
    throwRangeError(spec.Env(), "the sizes in spec describe buffers too large to address");
  }
  return s;
}

// spec.precision: 0 float32 (or absent), 1 bfloat16, 2 float16 operands (core/reduced_float.h);
// reduced precision applies to float32 buffers only.
template <typename T>
OperandPrecision parsePrecision(const Napi::Object& spec) {
  if (spec.Get("precision").IsUndefined()) return OperandPrecision::Float32;
  const auto precision = static_cast<OperandPrecision>(integerField(spec, "precision", 0, 2));
  if (precision != OperandPrecision::Float32 && !std::is_same<T, float>::value) {
    throwTypeError(spec.Env(), "expected float32 buffers for a bfloat16 or float16 call (spec.precision) but got float64");
  }
  return precision;
}

inline std::string weightName(int64_t index) { return "weights[" + std::to_string(index) + "]"; }

// Reads the arguments shared by forward and backward (info[0..6]) and checks every size.
template <typename T, typename Memory>
RnnForwardArgs<T> parseForwardArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RnnForwardArgs<T> a;
  const Napi::Object spec = objectArgument(info[0], "spec");
  a.shape = parseShape(spec);
  const RnnShape& s = a.shape;
  const int64_t stateCount = s.stateCount() * s.batch * s.hiddenSize;
  a.input = Memory::template data<T>(info[1], "input", s.seqLen * s.batch * s.inputSize);
  if (!info[2].IsArray()) throwTypeError(env, "expected weights to be an array");
  const Napi::Array weights = info[2].As<Napi::Array>();
  const int64_t perSlot = s.tensorsPerLayerDirection();
  if (static_cast<int64_t>(weights.Length()) != s.stateCount() * perSlot) {
    throwRangeError(env, "expected " + std::to_string(s.stateCount() * perSlot) + " weight tensors but got " +
                             std::to_string(weights.Length()));
  }
  for (int64_t slot = 0; slot < s.stateCount(); ++slot) {
    const int64_t base = slot * perSlot, G = s.gateWidth();
    LayerWeights<T> w;
    w.inputWeight = Memory::template data<T>(weights.Get(base), weightName(base), G * s.layerInputSize(slot / s.directions()));
    w.hiddenWeight = Memory::template data<T>(weights.Get(base + 1), weightName(base + 1), G * s.hiddenSize);
    if (s.hasBias) {
      w.inputBias = Memory::template data<T>(weights.Get(base + 2), weightName(base + 2), G);
      w.hiddenBias = Memory::template data<T>(weights.Get(base + 3), weightName(base + 3), G);
    }
    a.weights.push_back(w);
  }
  a.lengths = optionalTypedArrayData<int32_t>(info[3], "lengths", s.batch);
  if (a.lengths) {
    for (int64_t b = 0; b < s.batch; ++b) {
      if (a.lengths[b] < 0 || a.lengths[b] > s.seqLen) {
        throwRangeError(env, "expected lengths[" + std::to_string(b) + "] in [0, " + std::to_string(s.seqLen) +
                                 "] but got " + std::to_string(a.lengths[b]));
      }
    }
  }
  a.h0 = Memory::template optionalData<T>(info[4], "h0", stateCount);
  a.c0 = s.hasCellState() ? Memory::template optionalData<T>(info[5], "c0", stateCount) : nullptr;
  a.dropout.probability = numberField(spec, "dropout", 0, 1);
  a.dropout.seed = bigintArgument(info[6], "seed");
  a.precision = parsePrecision<T>(spec);
  return a;
}

// Names the hidden weights for the panel cache (panel_cache.h) from rnnForward's weightStamps: a
// Float64Array of the caller's realm (the addon's `realm` export), then [owner, version] per weight
// tensor in the weights' order; null names none.
template <typename T>
void readWeightStamps(const Napi::Value& value, RnnForwardArgs<T>* a) {
  if (value.IsNull() || value.IsUndefined()) return;
  const int64_t perSlot = a->shape.tensorsPerLayerDirection(), tensors = perSlot * static_cast<int64_t>(a->weights.size());
  const double* stamps = typedArrayData<double>(value, "weightStamps", 1 + 2 * tensors);
  for (size_t slot = 0; slot < a->weights.size(); ++slot) {
    const double* input = stamps + 1 + 2 * static_cast<int64_t>(slot) * perSlot;  // weight_ih
    const double* hidden = input + 2;                                               // weight_hh
    a->weights[slot].inputStamp = WeightStamp{stamps[0], input[0], input[1]};
    a->weights[slot].hiddenStamp = WeightStamp{stamps[0], hidden[0], hidden[1]};
  }
}

// Reads rnnBackward's arguments (info[0..10]): those of the forward call, its reserve, and the
// gradients reaching output, h and c (each may be null).
template <typename T, typename Memory>
RnnBackwardArgs<T> parseBackwardArgs(const Napi::CallbackInfo& info) {
  RnnBackwardArgs<T> a;
  a.forward = parseForwardArgs<T, Memory>(info);
  if (a.forward.precision != OperandPrecision::Float32) {
    throwTypeError(info.Env(), "a bfloat16 or float16 call (spec.precision) runs forward only: it has no backward pass");
  }
  const RnnShape& s = a.forward.shape;
  const int64_t stateCount = s.stateCount() * s.batch * s.hiddenSize;
  a.forward.reserve = Memory::template reserve<T>(info[7], "reserve", ReserveLayout(s).total());
  a.dOutput = Memory::template optionalData<T>(info[8], "dOutput", s.seqLen * s.batch * s.layerOutputSize());
  a.dhN = Memory::template optionalData<T>(info[9], "dh", stateCount);
  a.dcN = s.hasCellState() ? Memory::template optionalData<T>(info[10], "dc", stateCount) : nullptr;
  return a;
}

// The weight gradients of a backward call, one buffer per weight in the weights' order: points
// each LayerWeightGrads at its buffers and returns them as an array. newBuffer(length, &data)
// makes one (a typed array, or a CUDA buffer) and returns it.
template <typename T, typename NewBuffer>
Napi::Array allocateWeightGrads(Napi::Env env, const RnnShape& s, std::vector<LayerWeightGrads<T>>* grads, NewBuffer newBuffer) {
  Napi::Array out = Napi::Array::New(env);
  const int64_t G = s.gateWidth();
  for (int64_t slot = 0; slot < s.stateCount(); ++slot) {
    uint32_t index = static_cast<uint32_t>(slot * s.tensorsPerLayerDirection());
    LayerWeightGrads<T> g;
    out.Set(index++, newBuffer(G * s.layerInputSize(slot / s.directions()), &g.inputWeight));
    out.Set(index++, newBuffer(G * s.hiddenSize, &g.hiddenWeight));
    if (s.hasBias) {
      out.Set(index++, newBuffer(G, &g.inputBias));
      out.Set(index++, newBuffer(G, &g.hiddenBias));
    }
    grads->push_back(g);
  }
  return out;
}

}  // namespace gated::napi
