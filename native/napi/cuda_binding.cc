// The CUDA backend's entry points. Buffers are CUDA buffers (cuda_buffer.h); typed arrays cross
// only in uploads and downloads. Every CUDA or cuBLAS failure becomes a JavaScript Error (code
// ERR_GATED_CUDA_OUT_OF_MEMORY when device memory ran out), and the process stays usable.
//
//   cudaAlloc(dtype, length) -> buffer          cudaFree(buffer)
//   cudaUpload(buffer, typedArray)               cudaDownload(buffer, typedArray)
//   cudaDownloadAsync(buffer, typedArray) -> Promise<void>, the copy waited for off the JS thread
//   cudaCopy(to, from)                           cudaAdd(a, b, out): out = a + b (out may be a)
//   cudaRnnForward(spec, input, weights, lengths, h0, c0, seed, keepReserve) -> { output, h, c?, reserve? }
//   cudaRnnBackward(spec, input, weights, lengths, h0, c0, seed, reserve, dOutput, dh, dc)
//     -> { dInput, dh0, dc0?, dWeights }          (the arguments as for rnnForward / rnnBackward)
//   cudaMemory() -> { allocatedBytes, cachedBytes, peakBytes, deviceAllocations }
//   cudaEmptyCache()   cudaSynchronize()   cudaSetTf32(on)   cudaGetTf32()
//   cudaReadiness() -> { reason, cublasPath }: reason is "" when CUDA and cuBLAS are usable
//   cudaPersistentLaunches() -> launches of the persistent recurrence so far
//   cudaSideStreamForks() -> forks of the side stream so far (cudaStreams 'two')
//   cudaGraphCaptures(), cudaGraphLaunches() -> step loops captured into CUDA graphs, and launches
//     of those graphs, so far (cudaGraphs 'on')
//   cudaHostWaits() -> the host's waits for the GPU so far (downloads, synchronize, index checks)
//   cudaPersistentPlan(spec, dtype = 'float32', pass = 'forward') -> how the persistent kernels
//     would run such a layer's forward or backward pass on this GPU: { launchesPerLayer (0: they
//     do not take it), blocks, directionsPerLaunch, unitsPerBlock, chunk, sharedBytes, wavefront }
//   cudaPhaseTiming(on)   cudaTakePhaseTimes() -> { phase: ms } since the last take (see
//     setPhaseTiming in cuda/cuda_api.h)
#include <napi.h>

#include <string>

#include "../cuda/cuda_api.h"
#include "../cuda/device_buffer.h"
#include "args.h"
#include "bindings.h"
#include "cuda_buffer.h"
#include "rnn_args.h"

namespace gated::napi {
namespace {

napi_typedarray_type dtypeArgument(const Napi::Value& value) {
  const std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  if (name == "float32") return napi_float32_array;
  if (name == "float64") return napi_float64_array;
  if (name == "int32") return napi_int32_array;
  if (name == "int64") return napi_bigint64_array;
  if (name == "bool") return napi_uint8_array;
  throwTypeError(value.Env(), "expected dtype to be one of float32, float64, int32, int64, bool");
}

int64_t lengthArgument(const Napi::Value& value) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= 9.0e15) || number != static_cast<double>(static_cast<int64_t>(number))) {
    throwRangeError(value.Env(), "expected length to be an integer >= 0");
  }
  return static_cast<int64_t>(number);
}

template <typename T>
T* dataOf(const Napi::Value& buffer) {
  return static_cast<T*>(buffer.As<Napi::External<DeviceBuffer>>().Data()->data);
}

Napi::Value alloc(const Napi::CallbackInfo& info) {
  return newDeviceBuffer(info.Env(), dtypeArgument(info[0]), lengthArgument(info[1]));
}

Napi::Value freeBuffer(const Napi::CallbackInfo& info) {
  deviceBuffer(info[0], "buffer")->free(info.Env());
  return info.Env().Undefined();
}

// The typed array matching `buffer` in element type and length.
void* matchingHostArray(const Napi::Value& value, const DeviceBuffer& buffer) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray()) throwTypeError(env, "expected a typed array");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  if (array.TypedArrayType() != buffer.type) throwTypeError(env, std::string("expected a typed array of ") + typeName(buffer.type));
  if (static_cast<int64_t>(array.ElementLength()) != buffer.length) {
    throwRangeError(env, "expected a typed array of " + std::to_string(buffer.length) + " elements but it holds " +
                             std::to_string(array.ElementLength()));
  }
  return static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

Napi::Value upload(const Napi::CallbackInfo& info) {
  DeviceBuffer* buffer = deviceBuffer(info[0], "buffer");
  cuda::copyToDevice(buffer->data, matchingHostArray(info[1], *buffer), elementBytes(buffer->type) * buffer->length);
  return info.Env().Undefined();
}

Napi::Value download(const Napi::CallbackInfo& info) {
  DeviceBuffer* buffer = deviceBuffer(info[0], "buffer");
  cuda::copyToHost(matchingHostArray(info[1], *buffer), buffer->data, elementBytes(buffer->type) * buffer->length);
  return info.Env().Undefined();
}

// A download that waits for the device off the JavaScript thread; buffer and array stay referenced.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, const Napi::CallbackInfo& info, void* host, const void* device, size_t bytes)
      : Napi::AsyncWorker(env, "gated.cudaDownloadAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        buffer_(Napi::Persistent(info[0])),
        array_(Napi::Persistent(info[1].As<Napi::Object>())),
        host_(host),
        device_(device),
        bytes_(bytes) {}
  Napi::Promise promise() const { return deferred_.Promise(); }
  void Execute() override {
    try {
      cuda::copyToHost(host_, device_, bytes_);
    } catch (const std::exception& error) {
      SetError(error.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Value> buffer_;
  Napi::ObjectReference array_;
  void* host_;
  const void* device_;
  size_t bytes_;
};

Napi::Value downloadAsync(const Napi::CallbackInfo& info) {
  DeviceBuffer* buffer = deviceBuffer(info[0], "buffer");
  void* host = matchingHostArray(info[1], *buffer);
  auto* worker = new DownloadWorker(info.Env(), info, host, buffer->data, elementBytes(buffer->type) * buffer->length);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value copy(const Napi::CallbackInfo& info) {
  DeviceBuffer* to = deviceBuffer(info[0], "to");
  DeviceBuffer* from = deviceBuffer(info[1], "from");
  if (to->type != from->type || to->length != from->length) throwRangeError(info.Env(), "expected buffers of one dtype and length");
  cuda::copyOnDevice(to->data, from->data, elementBytes(to->type) * to->length);
  return info.Env().Undefined();
}

Napi::Value add(const Napi::CallbackInfo& info) {
  DeviceBuffer* a = deviceBuffer(info[0], "a");
  DeviceBuffer* b = deviceBuffer(info[1], "b");
  DeviceBuffer* out = deviceBuffer(info[2], "out");
  for (const DeviceBuffer* other : {b, out}) {
    if (other->type != a->type || other->length != a->length) throwRangeError(info.Env(), "expected buffers of one dtype and length");
  }
  if (a->type == napi_float32_array) {
    cuda::addArrays(static_cast<float*>(a->data), static_cast<float*>(b->data), static_cast<float*>(out->data), a->length);
  } else if (a->type == napi_float64_array) {
    cuda::addArrays(static_cast<double*>(a->data), static_cast<double*>(b->data), static_cast<double*>(out->data), a->length);
  } else {
    throwTypeError(info.Env(), "expected float32 or float64 buffers");
  }
  return info.Env().Undefined();
}

// Points `slot` at a new buffer of `length` elements stored under `key` in `result`.
template <typename T>
void newOutput(Napi::Object& result, const char* key, int64_t length, T** slot) {
  Napi::Value buffer = newDeviceBuffer(result.Env(), kTypeOf<T>, length);
  *slot = dataOf<T>(buffer);
  result.Set(key, buffer);
}

template <typename T>
Napi::Value rnnForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RnnForwardArgs<T> a = parseForwardArgs<T, DeviceMemory>(info);
  const RnnShape& s = a.shape;
  const int64_t stateCount = s.stateCount() * s.batch * s.hiddenSize;
  Napi::Object result = Napi::Object::New(env);
  newOutput(result, "output", s.seqLen * s.batch * s.layerOutputSize(), &a.output);
  newOutput(result, "h", stateCount, &a.hN);
  if (s.hasCellState()) newOutput(result, "c", stateCount, &a.cN);
  const int64_t reserveCount = ReserveLayout(s).total();
  const bool keepReserve = info[7].ToBoolean().Value();
  cuda::DeviceScratch<T> scratchReserve(keepReserve ? 0 : reserveCount);  // released once the work is queued
  if (keepReserve) newOutput(result, "reserve", reserveCount, &a.reserve);
  else a.reserve = scratchReserve.get();
  cuda::rnnForwardCuda(a, keepReserve);
  return result;
}

template <typename T>
Napi::Value rnnBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RnnBackwardArgs<T> a = parseBackwardArgs<T, DeviceMemory>(info);
  const RnnShape& s = a.forward.shape;
  const int64_t stateCount = s.stateCount() * s.batch * s.hiddenSize;
  Napi::Object result = Napi::Object::New(env);
  newOutput(result, "dInput", s.seqLen * s.batch * s.inputSize, &a.dInput);
  newOutput(result, "dh0", stateCount, &a.dh0);
  if (s.hasCellState()) newOutput(result, "dc0", stateCount, &a.dc0);
  Napi::Array dWeights = allocateWeightGrads<T>(env, s, &a.weightGrads, [&](int64_t length, T** data) {
    Napi::Value buffer = newDeviceBuffer(env, kTypeOf<T>, length);
    *data = dataOf<T>(buffer);
    return buffer;
  });
  cuda::rnnBackwardCuda(a);
  result.Set("dWeights", dWeights);
  return result;
}

// Picks the float32 or float64 instantiation from the input buffer's element type.
template <template <typename> class Fn>
Napi::Value byInputType(const Napi::CallbackInfo& info) {
  if (deviceBuffer(info[1], "input")->type == napi_float64_array) return Fn<double>::call(info);
  return Fn<float>::call(info);
}
template <typename T> struct ForwardFn { static Napi::Value call(const Napi::CallbackInfo& info) { return rnnForward<T>(info); } };
template <typename T> struct BackwardFn { static Napi::Value call(const Napi::CallbackInfo& info) { return rnnBackward<T>(info); } };

Napi::Value memory(const Napi::CallbackInfo& info) {
  const cuda::AllocatorStats stats = cuda::allocatorStats();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("allocatedBytes", static_cast<double>(stats.allocatedBytes));
  result.Set("cachedBytes", static_cast<double>(stats.cachedBytes));
  result.Set("peakBytes", static_cast<double>(stats.peakBytes));
  result.Set("deviceAllocations", static_cast<double>(stats.deviceAllocations));
  return result;
}

Napi::Value emptyCache(const Napi::CallbackInfo& info) {
  cuda::emptyCache();
  return info.Env().Undefined();
}

Napi::Value synchronize(const Napi::CallbackInfo& info) {
  cuda::synchronize();
  return info.Env().Undefined();
}

Napi::Value setTf32(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) throwTypeError(info.Env(), "expected enabled to be a boolean");
  cuda::setTf32(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value getTf32(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cuda::tf32()); }

Napi::Value persistentLaunches(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cuda::persistentLaunchCount()));
}

Napi::Value hostWaits(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cuda::hostWaitCount()));
}

Napi::Value setPhaseTiming(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) throwTypeError(info.Env(), "expected on to be a boolean");
  cuda::setPhaseTiming(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// { phase: ms } so far; then cleared.
Napi::Value takePhaseTimes(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  for (const auto& [phase, ms] : cuda::takePhaseTimes()) out.Set(phase, Napi::Number::New(info.Env(), ms));
  return out;
}

Napi::Value sideStreamForks(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cuda::sideStreamForkCount()));
}

Napi::Value graphCaptures(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cuda::graphCaptureCount()));
}

Napi::Value graphLaunches(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cuda::graphLaunchCount()));
}

Napi::Value persistentPlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const RnnShape shape = parseShape(objectArgument(info[0], "spec"));
  const napi_typedarray_type type = info[1].IsUndefined() ? napi_float32_array : dtypeArgument(info[1]);
  const std::string pass = info[2].IsUndefined() ? "forward" : (info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "");
  if (pass != "forward" && pass != "backward") throwTypeError(env, "expected pass to be 'forward' or 'backward'");
  const PersistentPlan plan = cuda::persistentPlan(shape, pass == "backward", elementBytes(type));
  Napi::Object out = Napi::Object::New(env);
  const int64_t launches = plan.blocks > 0 ? shape.directions() / plan.directions : 0;
  out.Set("launchesPerLayer", Napi::Number::New(env, static_cast<double>(launches)));
  out.Set("blocks", Napi::Number::New(env, plan.blocks));
  out.Set("directionsPerLaunch", Napi::Number::New(env, plan.directions));
  out.Set("unitsPerBlock", Napi::Number::New(env, plan.pass[0].unitsPerBlock));
  out.Set("chunk", Napi::Number::New(env, plan.pass[0].layouts.hidden.chunk));
  out.Set("sharedBytes", Napi::Number::New(env, static_cast<double>(plan.sharedBytes)));
  // The forward pass's wavefront from the first layer on, as the switch cudaWavefront chooses it:
  // its layers (1: a launch per layer) and grid.
  const PersistentPlan wavefront = pass == "forward" ? cuda::persistentWavefront(shape, 0, elementBytes(type)) : PersistentPlan{};
  Napi::Object front = Napi::Object::New(env);
  front.Set("layers", Napi::Number::New(env, wavefront.blocks > 0 ? wavefront.layers : 1));
  front.Set("blocks", Napi::Number::New(env, wavefront.blocks));
  front.Set("sharedBytes", Napi::Number::New(env, static_cast<double>(wavefront.sharedBytes)));
  out.Set("wavefront", front);
  return out;
}

Napi::Value readiness(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("reason", cuda::unusableReason());
  result.Set("cublasPath", cuda::cublasPath());
  return result;
}

}  // namespace

void registerCuda(Napi::Env env, Napi::Object exports) {
  const auto set = [&](const char* name, Binding fn) { exports.Set(name, Napi::Function::New(env, fn, name)); };
  set("cudaAlloc", guarded<alloc>);
  set("cudaFree", guarded<freeBuffer>);
  set("cudaUpload", guarded<upload>);
  set("cudaDownload", guarded<download>);
  set("cudaDownloadAsync", guarded<downloadAsync>);
  set("cudaCopy", guarded<copy>);
  set("cudaAdd", guarded<add>);
  set("cudaRnnForward", guarded<byInputType<ForwardFn>>);
  set("cudaRnnBackward", guarded<byInputType<BackwardFn>>);
  set("cudaMemory", guarded<memory>);
  set("cudaEmptyCache", guarded<emptyCache>);
  set("cudaSynchronize", guarded<synchronize>);
  set("cudaSetTf32", guarded<setTf32>);
  set("cudaGetTf32", guarded<getTf32>);
  set("cudaReadiness", guarded<readiness>);
  set("cudaPersistentLaunches", guarded<persistentLaunches>);
  set("cudaSideStreamForks", guarded<sideStreamForks>);
  set("cudaGraphCaptures", guarded<graphCaptures>);
  set("cudaGraphLaunches", guarded<graphLaunches>);
  set("cudaPersistentPlan", guarded<persistentPlan>);
  set("cudaHostWaits", guarded<hostWaits>);
  set("cudaPhaseTiming", guarded<setPhaseTiming>);
  set("cudaTakePhaseTimes", guarded<takePhaseTimes>);
}

}  // namespace gated::napi
