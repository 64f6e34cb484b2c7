// Kernel variant switches, so tests can force each implementation:
//   setKernel('gemm', 'auto' | 'packed' | 'rows' | 'reference')
//   setKernel('isa', 'auto' | 'baseline' | 'avx2' | 'avx512')   (only those this CPU has)
//   setKernel('activations', 'vector' | 'scalar')                 (float32 gate activations)
//   setKernel('recurrence', 'auto' | 'sequences' | 'units' | 'serial')  (how a layer's steps split over the CPU threads)
//   setKernel('cudaRecurrence', 'auto' | 'gemm' | 'persistent')   (how a layer's steps run on CUDA)
//   setKernel('cudaWavefront', 'auto' | 'off' | 'on')             (stacked layers in one persistent launch)
//   setKernel('cudaGraphs', 'auto' | 'off' | 'on')                (a GEMM-path step loop as one CUDA graph)
//   setKernel('cudaStreams', 'auto' | 'one' | 'two')              (a bidirectional layer's directions on CUDA)
//   setKernel('cudaUploads', 'auto' | 'pageable' | 'pinned')       (uploads from host memory on CUDA)
//   setKernel('cudaEmulation', 'off' | 'persistent' | 'persistent-reversed')  (the CPU runs the
//       CUDA persistent kernel's phases, blocks and threads in order or reversed: for the tests)
//   getKernel(name) -> the current setting ('isa' reports the one in use)
//   kernelVariants(name) -> the settings this machine accepts
//   setNumThreads(n), getNumThreads(): the size of the process-wide compute pool
//   setIdleSpin(us), getIdleSpin(): how long its idle threads spin for the next job
//   poolFailureProbe(kind): for the tests, a compute-pool job whose second part runs out of memory
//   emulatedPersistentLaunches() -> launches of the persistent kernels' emulation so far
#include <napi.h>

#include <new>
#include <string>
#include <utility>
#include <vector>

#include "../cpu/activations.h"
#include "../cpu/gemm.h"
#include "../cpu/persistent_emulation.h"
#include "../cpu/pool.h"
#include "../cpu/rnn_cpu.h"
#include "../cuda/cuda_api.h"
#include "cuda_buffer.h"
#include "args.h"
#include "bindings.h"

namespace gated::napi {
namespace {

const std::vector<std::pair<std::string, GemmPath>> kGemmPaths = {
    {"auto", GemmPath::Auto}, {"packed", GemmPath::Packed}, {"rows", GemmPath::Rows}, {"reference", GemmPath::Reference}};
const std::vector<std::pair<std::string, RecurrenceSplit>> kSplits = {
    {"auto", RecurrenceSplit::Auto}, {"sequences", RecurrenceSplit::Sequences}, {"units", RecurrenceSplit::Units},
    {"serial", RecurrenceSplit::Serial}};
const std::vector<std::pair<std::string, cuda::RecurrenceKernel>> kRecurrences = {
    {"auto", cuda::RecurrenceKernel::Auto}, {"gemm", cuda::RecurrenceKernel::Gemm}, {"persistent", cuda::RecurrenceKernel::Persistent}};
const std::vector<std::pair<std::string, WavefrontMode>> kWavefronts = {
    {"auto", WavefrontMode::Auto}, {"off", WavefrontMode::Off}, {"on", WavefrontMode::On}};
const std::vector<std::pair<std::string, cuda::StepGraphs>> kGraphs = {
    {"auto", cuda::StepGraphs::Auto}, {"off", cuda::StepGraphs::Off}, {"on", cuda::StepGraphs::On}};
const std::vector<std::pair<std::string, cuda::DirectionStreams>> kStreams = {
    {"auto", cuda::DirectionStreams::Auto}, {"one", cuda::DirectionStreams::One}, {"two", cuda::DirectionStreams::Two}};
const std::vector<std::pair<std::string, cuda::UploadPath>> kUploads = {
    {"auto", cuda::UploadPath::Auto}, {"pageable", cuda::UploadPath::Pageable}, {"pinned", cuda::UploadPath::Pinned}};
const std::vector<std::pair<std::string, CudaEmulation>> kEmulations = {
    {"off", CudaEmulation::Off}, {"persistent", CudaEmulation::Persistent}, {"persistent-reversed", CudaEmulation::PersistentReversed}};
const std::vector<std::pair<std::string, GemmIsa>> kIsas = {
    {"baseline", GemmIsa::Baseline}, {"avx2", GemmIsa::Avx2}, {"avx512", GemmIsa::Avx512}};

std::string stringArgument(const Napi::Value& value, const char* name) {
  if (!value.IsString()) throwTypeError(value.Env(), std::string("expected ") + name + " to be a string");
  return value.As<Napi::String>().Utf8Value();
}

// The settings of a switch, in table order.
template <typename Value>
std::vector<std::string> namesOf(const std::vector<std::pair<std::string, Value>>& table) {
  std::vector<std::string> out;
  for (const auto& entry : table) out.push_back(entry.first);
  return out;
}

// Calls set with the table's value named `variant` (one the table has: setKernel checked it).
template <typename Value, typename Set>
void setNamed(const std::vector<std::pair<std::string, Value>>& table, const std::string& variant, Set set) {
  for (const auto& [name, value] : table) {
    if (name == variant) set(value);
  }
}

// The table's name of `current`.
template <typename Value>
std::string nameOf(const std::vector<std::pair<std::string, Value>>& table, Value current) {
  for (const auto& [name, value] : table) {
    if (value == current) return name;
  }
  return table.front().first;
}

std::vector<std::string> variants(Napi::Env env, const std::string& kernel) {
  if (kernel == "gemm") return namesOf(kGemmPaths);
  if (kernel == "activations") return {"vector", "scalar"};
  if (kernel == "recurrence") return namesOf(kSplits);
  if (kernel == "cudaRecurrence") return namesOf(kRecurrences);
  if (kernel == "cudaWavefront") return namesOf(kWavefronts);
  if (kernel == "cudaGraphs") return namesOf(kGraphs);
  if (kernel == "cudaStreams") return namesOf(kStreams);
  if (kernel == "cudaUploads") return namesOf(kUploads);
  if (kernel == "cudaEmulation") return namesOf(kEmulations);
  if (kernel != "isa") {
    throwRangeError(env, "expected kernel name 'gemm', 'isa', 'activations', 'recurrence', 'cudaRecurrence', 'cudaWavefront', "
                         "'cudaGraphs', 'cudaStreams', 'cudaUploads' or 'cudaEmulation' but received '" + kernel + "'");
  }
  std::vector<std::string> out{"auto"};
  for (GemmIsa isa : supportedGemmIsas()) out.push_back(nameOf(kIsas, isa));
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "'" : ", '") + name + "'";
  return out;
}

Napi::Value setKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string kernel = stringArgument(info[0], "name");
  const std::string variant = stringArgument(info[1], "variant");
  const std::vector<std::string> allowed = variants(env, kernel);
  bool known = false;
  for (const auto& name : allowed) known = known || name == variant;
  if (!known) {
    throwRangeError(env, "expected " + kernel + " variant to be one of " + joined(allowed) + " on this machine but received '" +
                             variant + "'");
  }
  if (kernel == "gemm") {
    setNamed(kGemmPaths, variant, setGemmPath);
  } else if (kernel == "activations") {
    setActivationKernel(variant == "vector" ? ActivationKernel::Vector : ActivationKernel::Scalar);
  } else if (kernel == "recurrence") {
    setNamed(kSplits, variant, setRecurrenceSplit);
  } else if (kernel == "cudaRecurrence") {
    setNamed(kRecurrences, variant, cuda::setRecurrenceKernel);
  } else if (kernel == "cudaWavefront") {
    setNamed(kWavefronts, variant, cuda::setLayerWavefront);
  } else if (kernel == "cudaGraphs") {
    setNamed(kGraphs, variant, cuda::setStepGraphs);
  } else if (kernel == "cudaStreams") {
    setNamed(kStreams, variant, cuda::setDirectionStreams);
  } else if (kernel == "cudaUploads") {
    setNamed(kUploads, variant, cuda::setUploadPath);
  } else if (kernel == "cudaEmulation") {
    setNamed(kEmulations, variant, setCudaEmulation);
  } else if (variant == "auto") {
    setGemmIsa(supportedGemmIsas().back());
  } else {
    setNamed(kIsas, variant, setGemmIsa);
  }
  return env.Undefined();
}

Napi::Value getKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string kernel = stringArgument(info[0], "name");
  variants(env, kernel);  // validates the name
  if (kernel == "isa") return Napi::String::New(env, nameOf(kIsas, gemmIsa()));
  if (kernel == "activations") return Napi::String::New(env, activationKernel() == ActivationKernel::Vector ? "vector" : "scalar");
  if (kernel == "recurrence") return Napi::String::New(env, nameOf(kSplits, recurrenceSplit()));
  if (kernel == "cudaRecurrence") return Napi::String::New(env, nameOf(kRecurrences, cuda::recurrenceKernel()));
  if (kernel == "cudaWavefront") return Napi::String::New(env, nameOf(kWavefronts, cuda::layerWavefront()));
  if (kernel == "cudaGraphs") return Napi::String::New(env, nameOf(kGraphs, cuda::stepGraphs()));
  if (kernel == "cudaStreams") return Napi::String::New(env, nameOf(kStreams, cuda::directionStreams()));
  if (kernel == "cudaUploads") return Napi::String::New(env, nameOf(kUploads, cuda::uploadPath()));
  if (kernel == "cudaEmulation") return Napi::String::New(env, nameOf(kEmulations, cudaEmulation()));
  return Napi::String::New(env, nameOf(kGemmPaths, gemmPath()));
}

Napi::Value kernelVariants(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<std::string> names = variants(env, stringArgument(info[0], "name"));
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  const double threads = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  if (!(threads >= 1 && threads <= 1024) || threads != static_cast<double>(static_cast<int>(threads))) {
    throwRangeError(info.Env(), "expected threads to be an integer in [1, 1024]");
  }
  setComputeThreads(static_cast<int>(threads));
  return info.Env().Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), computeThreads()); }

Napi::Value setIdleSpin(const Napi::CallbackInfo& info) {
  const double microseconds = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(microseconds >= 0 && microseconds <= 1e6)) {
    throwRangeError(info.Env(), "expected microseconds to be a number in [0, 1e6]");
  }
  setIdleSpinMicroseconds(static_cast<int>(microseconds));
  return info.Env().Undefined();
}

Napi::Value getIdleSpin(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), idleSpinMicroseconds()); }

// A job ('run') or a team whose members meet at a barrier ('team') on the compute pool, whose
// part 1 runs out of memory: the error must reach the caller, and the pool must work on.
Napi::Value poolFailureProbe(const Napi::CallbackInfo& info) {
  const std::string kind = stringArgument(info[0], "kind");
  const auto part = [](int index) {
    if (index == 1) throw std::bad_alloc();
  };
  if (kind == "team") {
    SpinBarrier barrier;
    parallelTeam(2, [&](int rank, int size) {
      part(rank);
      barrier.arriveAndWait(size);
    });
  } else {
    parallelRun(8, [&](int index, int) { part(index); });
  }
  return info.Env().Undefined();
}

Napi::Value emulatedLaunches(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(emulatedPersistentLaunches()));
}

}  // namespace

void registerKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("setKernel", Napi::Function::New(env, setKernel, "setKernel"));
  exports.Set("getKernel", Napi::Function::New(env, getKernel, "getKernel"));
  exports.Set("kernelVariants", Napi::Function::New(env, kernelVariants, "kernelVariants"));
  exports.Set("setNumThreads", Napi::Function::New(env, setNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, getNumThreads, "getNumThreads"));
  exports.Set("setIdleSpin", Napi::Function::New(env, setIdleSpin, "setIdleSpin"));
  exports.Set("getIdleSpin", Napi::Function::New(env, getIdleSpin, "getIdleSpin"));
  exports.Set("poolFailureProbe", Napi::Function::New(env, guarded<poolFailureProbe>, "poolFailureProbe"));
  exports.Set("emulatedPersistentLaunches", Napi::Function::New(env, emulatedLaunches, "emulatedPersistentLaunches"));
}

}  // namespace gated::napi
