#include "host_block.h"

#include <cmath>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "bindings.h"
#include "huge_pages.h"

namespace gated::napi {
namespace {

// Freed memory by size, up to kCachedBytes in all; memory that would pass the cap is released.
class MemoryCache {
 public:
  // Memory for `bytes` (64-byte aligned), null when there is none.
  void* take(size_t bytes) {
    auto found = free_.find(bytes);
    if (found != free_.end() && !found->second.empty()) {
      void* data = found->second.back();
      found->second.pop_back();
      cachedBytes_ -= bytes;
      return data;
    }
    void* data = std::aligned_alloc(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
    if (data) adviseHugePages(data, bytes);
    return data;
  }

  void give(void* data, size_t bytes) {
    if (cachedBytes_ + bytes > kCachedBytes) return std::free(data);
    free_[bytes].push_back(data);
    cachedBytes_ += bytes;
  }

 private:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kCachedBytes = size_t(256) << 20;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cachedBytes_ = 0;
};

// Every live block of the process (worker threads included, so every access holds the lock), by
// name: name = generation * kSlots + slot + 1. A slot's generation grows each time it is freed.
class BlockTable {
 public:
  // The new block's name, or 0 when memory ran out.
  double add(napi_env env, napi_typedarray_type type, int64_t length, int64_t bytes, void** data) {
    std::lock_guard<std::mutex> lock(mutex_);
    *data = memory_.take(static_cast<size_t>(bytes));
    if (!*data) return 0;
    uint32_t slot;
    if (!vacant_.empty()) {
      slot = vacant_.back();
      vacant_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[slot];
    s.block = HostBlock{*data, length, type};
    s.bytes = bytes;
    s.env = env;
    return static_cast<double>(s.generation) * kSlots + slot + 1;
  }

  // The block `name` names if it is live and belongs to env.
  bool find(napi_env env, double name, HostBlock* block) {
    std::lock_guard<std::mutex> lock(mutex_);
    const Slot* s = live(env, name);
    if (s) *block = s->block;
    return s != nullptr;
  }

  // Frees the block `name` names; its bytes, or 0 when it is not live in env.
  int64_t remove(napi_env env, double name) {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot* s = live(env, name);
    if (!s) return 0;
    const int64_t bytes = s->bytes;
    vacate(*s, static_cast<uint32_t>(s - slots_.data()));
    return bytes;
  }

  // Frees every block of an environment that is going away (a worker thread's, say).
  void removeAll(napi_env env) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t slot = 0; slot < slots_.size(); ++slot) {
      if (slots_[slot].block.data && slots_[slot].env == env) vacate(slots_[slot], static_cast<uint32_t>(slot));
    }
  }

 private:
  static constexpr double kSlots = 16777216.0;  // 2^24 live blocks at most; names stay below 2^53

  struct Slot {
    HostBlock block;  // data null while vacant
    int64_t bytes = 0;
    napi_env env = nullptr;
    double generation = 0;
  };

  Slot* live(napi_env env, double name) {
    if (!(name >= 1 && name < 9007199254740992.0) || std::floor(name) != name) return nullptr;
    const double index = std::fmod(name - 1, kSlots);
    if (index >= static_cast<double>(slots_.size())) return nullptr;
    Slot& s = slots_[static_cast<size_t>(index)];
    const bool matches = s.block.data && s.env == env && std::floor((name - 1) / kSlots) == s.generation;
    return matches ? &s : nullptr;
  }

  void vacate(Slot& s, uint32_t slot) {
    memory_.give(s.block.data, static_cast<size_t>(s.bytes));
    s.block.data = nullptr;
    s.generation += 1;
    vacant_.push_back(slot);
  }

  std::mutex mutex_;
  MemoryCache memory_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> vacant_;
};

BlockTable& table() {
  static BlockTable* instance = new BlockTable();  // never destroyed: cleanup hooks may run at exit
  return *instance;
}

// hostBlockFree(block): frees it at once; a name that is not live (already freed) does nothing.
Napi::Value hostBlockFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throwTypeError(env, "expected block to be a host block (the reserve of a forward pass)");
  const int64_t bytes = table().remove(env, info[0].As<Napi::Number>().DoubleValue());
  if (bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
  return env.Undefined();
}

}  // namespace

Napi::Value newHostBlock(Napi::Env env, napi_typedarray_type type, int64_t length, void** data) {
  const int64_t bytes = static_cast<int64_t>(elementBytes(type)) * (length > 0 ? length : 1);
  const double name = table().add(env, type, length, bytes, data);
  if (name == 0) throw Napi::Error::New(env, "gated: out of host memory for a reserve of " + std::to_string(bytes) + " bytes");
  // V8 counts the bytes until they are freed: forgotten blocks prompt a collection, freed ones do not.
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  return Napi::Number::New(env, name);
}

HostBlock hostBlock(const Napi::Value& value, const std::string& name) {
  Napi::Env env = value.Env();
  if (!value.IsNumber()) throwTypeError(env, "expected " + name + " to be a host block (the reserve of a forward pass)");
  HostBlock block;
  if (!table().find(env, value.As<Napi::Number>().DoubleValue(), &block)) {
    throwTypeError(env, name + " is not a live host block (freed already, or never made)");
  }
  return block;
}

void registerHostBlocks(Napi::Env env, Napi::Object exports) {
  exports.Set("hostBlockFree", Napi::Function::New(env, hostBlockFree, "hostBlockFree"));
  napi_add_env_cleanup_hook(env, [](void* environment) { table().removeAll(static_cast<napi_env>(environment)); }, env);
}

}  // namespace gated::napi
