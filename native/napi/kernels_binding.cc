// Kernel variant switches, so tests can force each implementation:
//   setKernel('gemm', 'auto' | 'packed' | 'rows' | 'reference')
//   setKernel('isa', 'auto' | 'baseline' | 'avx2' | 'avx512')   (only those this CPU has)
//   setKernel('activations', 'vector' | 'scalar')                 (float32 gate activations)
//   setKernel('recurrence', 'auto' | 'sequences' | 'units' | 'serial')  (how a layer's steps split over the CPU threads)
//   setKernel('cudaRecurrence', 'auto' | 'gemm' | 'persistent')   (how a layer's steps run on CUDA)
//   setKernel('cudaStreams', 'auto' | 'one' | 'two')              (a bidirectional layer's directions on CUDA)
//   getKernel(name) -> the current setting ('isa' reports the one in use)
//   kernelVariants(name) -> the settings this machine accepts
//   setNumThreads(n), getNumThreads(): the size of the process-wide compute pool
//   setIdleSpin(us), getIdleSpin(): how long its idle threads spin for the next job
//   poolFailureProbe(kind): for the tests, a compute-pool job whose second part runs out of memory
#include <napi.h>

#include <new>
#include <string>
#include <utility>
#include <vector>

#include "../cpu/activations.h"
#include "../cpu/gemm.h"
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
const std::vector<std::pair<std::string, cuda::DirectionStreams>> kStreams = {
    {"auto", cuda::DirectionStreams::Auto}, {"one", cuda::DirectionStreams::One}, {"two", cuda::DirectionStreams::Two}};
const std::vector<std::pair<std::string, GemmIsa>> kIsas = {
    {"baseline", GemmIsa::Baseline}, {"avx2", GemmIsa::Avx2}, {"avx512", GemmIsa::Avx512}};

std::string stringArgument(const Napi::Value& value, const char* name) {
  if (!value.IsString()) throwTypeError(value.Env(), std::string("expected ") + name + " to be a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string isaName(GemmIsa isa) {
  for (const auto& [name, value] : kIsas) {
    if (value == isa) return name;
  }
  return "baseline";
}

std::vector<std::string> variants(Napi::Env env, const std::string& kernel) {
  std::vector<std::string> out;
  if (kernel == "gemm") {
    for (const auto& entry : kGemmPaths) out.push_back(entry.first);
  } else if (kernel == "isa") {
    out.push_back("auto");
    for (GemmIsa isa : supportedGemmIsas()) out.push_back(isaName(isa));
  } else if (kernel == "activations") {
    out = {"vector", "scalar"};
  } else if (kernel == "recurrence") {
    for (const auto& entry : kSplits) out.push_back(entry.first);
  } else if (kernel == "cudaRecurrence") {
    for (const auto& entry : kRecurrences) out.push_back(entry.first);
  } else if (kernel == "cudaStreams") {
    for (const auto& entry : kStreams) out.push_back(entry.first);
  } else {
    throwRangeError(env, "expected kernel name 'gemm', 'isa', 'activations', 'recurrence', 'cudaRecurrence' or 'cudaStreams' but received '" +
                             kernel + "'");
  }
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
    for (const auto& [name, path] : kGemmPaths) {
      if (name == variant) setGemmPath(path);
    }
  } else if (kernel == "activations") {
    setActivationKernel(variant == "vector" ? ActivationKernel::Vector : ActivationKernel::Scalar);
  } else if (kernel == "recurrence") {
    for (const auto& [name, value] : kSplits) {
      if (name == variant) setRecurrenceSplit(value);
    }
  } else if (kernel == "cudaRecurrence") {
    for (const auto& [name, value] : kRecurrences) {
      if (name == variant) cuda::setRecurrenceKernel(value);
    }
  } else if (kernel == "cudaStreams") {
    for (const auto& [name, value] : kStreams) {
      if (name == variant) cuda::setDirectionStreams(value);
    }
  } else if (variant == "auto") {
    setGemmIsa(supportedGemmIsas().back());
  } else {
    for (const auto& [name, isa] : kIsas) {
      if (name == variant) setGemmIsa(isa);
    }
  }
  return env.Undefined();
}

Napi::Value getKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string kernel = stringArgument(info[0], "name");
  variants(env, kernel);  // validates the name
  if (kernel == "isa") return Napi::String::New(env, isaName(gemmIsa()));
  if (kernel == "activations") return Napi::String::New(env, activationKernel() == ActivationKernel::Vector ? "vector" : "scalar");
  if (kernel == "recurrence") {
    for (const auto& [name, value] : kSplits) {
      if (value == recurrenceSplit()) return Napi::String::New(env, name);
    }
  }
  if (kernel == "cudaRecurrence") {
    for (const auto& [name, value] : kRecurrences) {
      if (value == cuda::recurrenceKernel()) return Napi::String::New(env, name);
    }
  }
  if (kernel == "cudaStreams") {
    for (const auto& [name, value] : kStreams) {
      if (value == cuda::directionStreams()) return Napi::String::New(env, name);
    }
  }
  for (const auto& [name, path] : kGemmPaths) {
    if (path == gemmPath()) return Napi::String::New(env, name);
  }
  return Napi::String::New(env, "auto");
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
}

}  // namespace gated::napi
