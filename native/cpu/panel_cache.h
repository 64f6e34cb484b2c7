// Packed recurrent weights kept across calls. A forward pass without gradients packs each member's
// blocks of W_hh into panels (gemm.h's PanelMatrix) before its first step; for batch-1 inference
// that packing is most of a short call. A bfloat16 or float16 call also keeps its rounded copies
// of W_ih and W_hh here (core/reduced_float.h). When the caller names the weight's data (a WeightStamp:
// the JavaScript realm, the storage there, and the storage's version, which every in-place update
// bumps), the panels are kept here, and the next call with the same storage, pointer and split finds
// them packed, or packs the new version into the same memory. The least recently used panels go
// once the cache holds more than its budget.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace gated {

// Who owns a weight's data (the JavaScript realm, and its storage there) and which version of it
// this is (owner 0: not named, not cached).
struct WeightStamp {
  double realm = 0, owner = 0;
  double version = 0;
  bool named() const { return realm > 0 && owner > 0; }
};

// Which panels: the weight (its data, owner, shape and element type), the member's columns of each
// gate block, the instruction set whose panel width they use, and what the weight was rounded to
// before packing; or, with packed false, the weight's copy rounded to `precision` (an
// OperandPrecision). The version is not part of it.
struct PanelKey {
  const void* data = nullptr;
  double realm = 0, owner = 0;
  int64_t rows = 0, cols = 0;
  int64_t columnsBegin = 0, columnsEnd = 0;
  int isa = 0;
  int elementBytes = 0;
  int precision = 0;    // what the weight was rounded to first (0: float32, not rounded)
  bool packed = true;   // false: a plain [rows, cols] copy
  bool operator==(const PanelKey& o) const {
    return data == o.data && realm == o.realm && owner == o.owner && rows == o.rows && cols == o.cols &&
           columnsBegin == o.columnsBegin && columnsEnd == o.columnsEnd && isa == o.isa && elementBytes == o.elementBytes &&
           precision == o.precision && packed == o.packed;
  }
};

// One key's panels: `bytes` of 64-byte aligned memory and the version packed into them.
class CachedPanels {
 public:
  explicit CachedPanels(size_t size);
  ~CachedPanels();
  CachedPanels(const CachedPanels&) = delete;
  CachedPanels& operator=(const CachedPanels&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

  // Runs pack() unless the panels already hold `version`; the users of one key take turns, so a
  // second member waits for the first one's packing instead of reading half-packed panels.
  template <typename Pack>
  void ensure(double version, const Pack& pack) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (packed_ && version_ == version) return;
    pack();
    packed_ = true;
    version_ = version;
  }

 private:
  void* data_;
  size_t bytes_;
  std::mutex mutex_;
  bool packed_ = false;
  double version_ = 0;
};

// The panels for `key` (`bytes` long), found or new; the caller holds the pointer while it reads
// them (eviction only drops the cache's reference).
std::shared_ptr<CachedPanels> cachedPanels(const PanelKey& key, size_t bytes);

}  // namespace gated
