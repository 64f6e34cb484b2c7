// rnnForward / rnnBackward: the native entry points of the recurrent modules.
//
//   rnnForward(spec, input, weights, lengths, h0, c0, seed, keepReserve, weightStamps?)
//     -> { output, h, c?, reserve? }; weightStamps (a Float64Array: the caller's realm, then
//     [storage, version] per weight tensor; or null) lets the packed hidden weights be kept for the
//     next call (panel_cache.h)
//   rnnForwardAsync(same arguments) -> a Promise of the same, computed off the JavaScript thread
//   rnnGates(spec, reserve) -> the gate activations stored in a reserve (a host block, or a typed
//     array copied from the device), [L*D, B, T, G]
//   rnnReserveLength(spec) -> the number of elements of a reserve
//   roundOperands(values, precision, words?) -> a new Float32Array: values [n] (a Float32Array)
//     rounded as a bfloat16 (precision 1) or float16 (2) call rounds its products' operands on the
//     CPU, or with words through the 16-bit words the CUDA kernels write
//   rnnBackward(spec, input, weights, lengths, h0, c0, seed, reserve, dOutput, dh, dc)
//     -> { dInput, dh0, dc0?, dWeights }
//
// spec: { cell, inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, seqLen, batch,
// dropout, precision? }: precision 0 (float32, the default), 1 (bfloat16) or 2 (float16) rounds both
// operands of every matrix product (forward only, float32 buffers). Float buffers are all Float32Array or all Float64Array; lengths is an Int32Array or null.
// Every output is a new typed array owned by JavaScript, except the reserve: a host block
// (host_block.h), which JavaScript frees with hostBlockFree once the backward pass no longer needs it.
#include <napi.h>

#include <algorithm>
#include <vector>

#include "../core/rnn_shape.h"
#include "../cpu/rnn_cpu.h"
#include "../cpu/rounding.h"
#include "../cpu/workspace.h"
#include "args.h"
#include "rnn_args.h"
#include "bindings.h"
#include "cuda_buffer.h"
#include "host_block.h"
#include "huge_pages.h"

namespace gated::napi {
namespace {

template <typename T>
using Array = typename std::conditional<std::is_same<T, float>::value, Napi::Float32Array, Napi::Float64Array>::type;

template <typename T>
Array<T> newArray(Napi::Env env, int64_t length) {
  Array<T> out = Array<T>::New(env, static_cast<size_t>(length));
  adviseHugePages(out.Data(), static_cast<size_t>(length) * sizeof(T));
  return out;
}

// result[key] = a new typed array of `length` elements, owned by JavaScript; *slot points at its data.
template <typename T>
void newOutput(Napi::Object& result, const char* key, int64_t length, T** slot) {
  Array<T> array = newArray<T>(result.Env(), length);
  *slot = array.Data();
  result.Set(key, array);
}

// Allocates the outputs, points `a` at them, and returns the result object. Without keepReserve
// the reserve is per-thread scratch, taken where the computation runs.
template <typename T>
Napi::Object allocateForwardOutputs(Napi::Env env, RnnForwardArgs<T>& a, bool keepReserve) {
  const RnnShape& s = a.shape;
  const int64_t stateCount = s.stateCount() * s.batch * s.hiddenSize;
  Napi::Object result = Napi::Object::New(env);
  newOutput(result, "output", s.seqLen * s.batch * s.layerOutputSize(), &a.output);
  newOutput(result, "h", stateCount, &a.hN);
  if (s.hasCellState()) newOutput(result, "c", stateCount, &a.cN);
  a.reserve = nullptr;
  if (keepReserve) {
    void* reserve = nullptr;
    result.Set("reserve", newHostBlock(env, TypedArrayKind<T>::type, ReserveLayout(s).total(), &reserve));
    a.reserve = static_cast<T*>(reserve);
  }
  return result;
}

// The arguments of rnnForward / rnnForwardAsync, with the outputs allocated: *result receives them.
template <typename T>
RnnForwardArgs<T> prepareForward(const Napi::CallbackInfo& info, Napi::Object* result) {
  RnnForwardArgs<T> a = parseForwardArgs<T, HostMemory>(info);
  readWeightStamps(info[8], &a);
  *result = allocateForwardOutputs(info.Env(), a, info[7].ToBoolean().Value());
  return a;
}

template <typename T>
void computeForward(RnnForwardArgs<T>& a) {
  if (!a.reserve) {  // no backward pass follows: the thread's scratch, and no gate activations kept
    a.reserve = scratch<T>(Scratch::Reserve, static_cast<size_t>(ReserveLayout(a.shape).total()));
    a.keepActivations = false;
  }
  rnnForwardCpu(a);
}

template <typename T>
Napi::Value rnnForward(const Napi::CallbackInfo& info) {
  Napi::Object result;
  RnnForwardArgs<T> a = prepareForward<T>(info, &result);
  computeForward(a);
  return result;
}

// rnnForward off the JavaScript thread: the arguments and outputs stay referenced until it settles.
template <typename T>
class RnnForwardWorker : public Napi::AsyncWorker {
 public:
  RnnForwardWorker(Napi::Env env, RnnForwardArgs<T> args, Napi::Object result, Napi::Object keepAlive)
      : Napi::AsyncWorker(env, "gated.rnnForwardAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        args_(std::move(args)),
        result_(Napi::Persistent(result)),
        keepAlive_(Napi::Persistent(keepAlive)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      computeForward(args_);
    } catch (const std::exception& error) {
      SetError(std::string("gated: rnnForwardAsync failed: ") + error.what());
    }
  }

  void OnOK() override { deferred_.Resolve(result_.Value()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  RnnForwardArgs<T> args_;
  Napi::ObjectReference result_;
  Napi::ObjectReference keepAlive_;
};

template <typename T>
Napi::Value rnnForwardAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result;
  RnnForwardArgs<T> a = prepareForward<T>(info, &result);
  Napi::Object keepAlive = Napi::Object::New(env);
  for (size_t i = 1; i <= 5; ++i) keepAlive.Set(static_cast<uint32_t>(i), info[i]);
  auto* worker = new RnnForwardWorker<T>(env, std::move(a), result, keepAlive);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

template <typename T>
Napi::Value rnnBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RnnBackwardArgs<T> a = parseBackwardArgs<T, HostMemory>(info);
  const RnnShape& s = a.forward.shape;
  const int64_t stateCount = s.stateCount() * s.batch * s.hiddenSize;

  Napi::Object result = Napi::Object::New(env);
  const bool inputGrad = info[11].ToBoolean().Value();
  if (inputGrad) newOutput(result, "dInput", s.seqLen * s.batch * s.inputSize, &a.dInput);
  else result.Set("dInput", env.Null());
  newOutput(result, "dh0", stateCount, &a.dh0);
  if (s.hasCellState()) newOutput(result, "dc0", stateCount, &a.dc0);
  result.Set("dWeights", allocateWeightGrads<T>(env, s, &a.weightGrads, [&](int64_t length, T** data) {
    Array<T> array = newArray<T>(env, length);
    *data = array.Data();
    return array;
  }));
  rnnBackwardCpu(a);
  return result;
}

// rnnGates(spec, reserve) -> [L*D, B, T, G]: the gate activations a forward pass stored in its
// reserve (LSTM i f g o, GRU r z n), per layer and direction, sequence by sequence.
template <typename T>
Napi::Value rnnGates(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const RnnShape s = parseShape(objectArgument(info[0], "spec"));
  if (s.gateCount() == 1) throwTypeError(env, "a plain RNN has no gates to return");
  const ReserveLayout layout(s);
  const T* reserve = info[1].IsNumber() ? hostBlockData<T>(info[1], "reserve", layout.total())
                                          : typedArrayData<T>(info[1], "reserve", layout.total());
  const int64_t steps = s.seqLen, B = s.batch, G = s.gateWidth();
  Array<T> out = newArray<T>(env, s.stateCount() * B * steps * G);
  T* gates = out.Data();
  for (int64_t slot = 0; slot < s.stateCount(); ++slot) {
    const T* source = reserve + layout.gates(slot);  // [T, B, G]
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < steps; ++t) {
        std::copy_n(source + (t * B + b) * G, G, gates + ((slot * B + b) * steps + t) * G);
      }
    }
  }
  return out;
}

// rnnGates of the reserve's element type.
Napi::Value rnnGatesOfItsType(const Napi::CallbackInfo& info) {
  napi_typedarray_type type = napi_float32_array;
  if (info[1].IsNumber()) type = hostBlock(info[1], "reserve").type;
  else if (info[1].IsTypedArray()) type = info[1].As<Napi::TypedArray>().TypedArrayType();
  return type == napi_float64_array ? rnnGates<double>(info) : rnnGates<float>(info);
}

// rnnReserveLength(spec) -> the reserve's length in elements (its layout is ReserveLayout's).
Napi::Value rnnReserveLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReserveLayout(parseShape(objectArgument(info[0], "spec"))).total()));
}

Napi::Value roundOperands(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throwTypeError(env, "expected values to be a Float32Array");
  const int64_t count = static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength());
  const float* values = typedArrayData<float>(info[0], "values", count);
  const double precision = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (precision != 1 && precision != 2) throwRangeError(env, "expected precision to be 1 (bfloat16) or 2 (float16)");
  const auto p = static_cast<OperandPrecision>(static_cast<int>(precision));
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(count));
  if (!info[2].ToBoolean().Value()) {
    roundOperands(p, values, out.Data(), count);
    return out;
  }
  for (int64_t i = 0; i < count; ++i) out[static_cast<size_t>(i)] = reducedValue(p, reducedBits(p, values[i]));
  return out;
}

// Picks the float32 or float64 instantiation from the input's type.
template <template <typename> class Fn>
Napi::Value byInputType(const Napi::CallbackInfo& info) {
  if (info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    return Fn<double>::call(info);
  }
  return Fn<float>::call(info);
}
template <typename T> struct ForwardFn { static Napi::Value call(const Napi::CallbackInfo& info) { return rnnForward<T>(info); } };
template <typename T> struct ForwardAsyncFn { static Napi::Value call(const Napi::CallbackInfo& info) { return rnnForwardAsync<T>(info); } };
template <typename T> struct BackwardFn { static Napi::Value call(const Napi::CallbackInfo& info) { return rnnBackward<T>(info); } };

}  // namespace

void registerRnn(Napi::Env env, Napi::Object exports) {
  exports.Set("rnnForward", Napi::Function::New(env, guarded<byInputType<ForwardFn>>, "rnnForward"));
  exports.Set("rnnGates", Napi::Function::New(env, guarded<rnnGatesOfItsType>, "rnnGates"));
  exports.Set("rnnForwardAsync", Napi::Function::New(env, guarded<byInputType<ForwardAsyncFn>>, "rnnForwardAsync"));
  exports.Set("rnnReserveLength", Napi::Function::New(env, rnnReserveLength, "rnnReserveLength"));
  exports.Set("roundOperands", Napi::Function::New(env, guarded<roundOperands>, "roundOperands"));
  exports.Set("rnnBackward", Napi::Function::New(env, guarded<byInputType<BackwardFn>>, "rnnBackward"));
}

}  // namespace gated::napi
