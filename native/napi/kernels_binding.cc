// Kernel variant switches, so tests can force each implementation:
//   setKernel('gemm', 'blocked' | 'reference'); getKernel('gemm') -> string
#include <napi.h>

#include "../cpu/gemm.h"
#include "args.h"
#include "bindings.h"

namespace gated::napi {
namespace {

std::string stringArgument(const Napi::Value& value, const char* name) {
  if (!value.IsString()) throwTypeError(value.Env(), std::string("expected ") + name + " to be a string");
  return value.As<Napi::String>().Utf8Value();
}

void expectGemm(Napi::Env env, const std::string& name) {
  if (name != "gemm") throwRangeError(env, "expected kernel name 'gemm' but got '" + name + "'");
}

Napi::Value setKernel(const Napi::CallbackInfo& info) {
  expectGemm(info.Env(), stringArgument(info[0], "name"));
  const std::string variant = stringArgument(info[1], "variant");
  if (variant == "blocked") setGemmKernel(GemmKernel::Blocked);
  else if (variant == "reference") setGemmKernel(GemmKernel::Reference);
  else throwRangeError(info.Env(), "expected gemm variant 'blocked' or 'reference' but got '" + variant + "'");
  return info.Env().Undefined();
}

Napi::Value getKernel(const Napi::CallbackInfo& info) {
  expectGemm(info.Env(), stringArgument(info[0], "name"));
  return Napi::String::New(info.Env(), gemmKernel() == GemmKernel::Blocked ? "blocked" : "reference");
}

}  // namespace

void registerKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("setKernel", Napi::Function::New(env, setKernel, "setKernel"));
  exports.Set("getKernel", Napi::Function::New(env, getKernel, "getKernel"));
}

}  // namespace gated::napi
