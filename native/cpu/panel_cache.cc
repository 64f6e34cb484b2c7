#include "panel_cache.h"

#include <cstdlib>
#include <list>
#include <new>
#include <utility>

namespace gated {

CachedPanels::CachedPanels(size_t size) : data_(std::aligned_alloc(64, (size + 63) / 64 * 64)), bytes_(size) {
  if (!data_) throw std::bad_alloc();
}

CachedPanels::~CachedPanels() { std::free(data_); }

namespace {

// At most this many bytes of panels are kept (a 1024-unit LSTM's W_hh is 16 MB), in at most this
// many entries (each call searches them in order).
constexpr size_t kBudgetBytes = size_t(64) << 20;
constexpr size_t kMaxEntries = 256;

class PanelCache {
 public:
  std::shared_ptr<CachedPanels> get(const PanelKey& key, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key && it->second->bytes() == bytes) {
        entries_.splice(entries_.begin(), entries_, it);  // most recently used first
        return it->second;
      }
    }
    auto panels = std::make_shared<CachedPanels>(bytes);
    entries_.emplace_front(key, panels);
    held_ += bytes;
    while ((held_ > kBudgetBytes || entries_.size() > kMaxEntries) && entries_.size() > 1) {
      held_ -= entries_.back().second->bytes();
      entries_.pop_back();
    }
    return panels;
  }

 private:
  std::mutex mutex_;
  std::list<std::pair<PanelKey, std::shared_ptr<CachedPanels>>> entries_;  // few entries: a list searched in order
  size_t held_ = 0;
};

}  // namespace

std::shared_ptr<CachedPanels> cachedPanels(const PanelKey& key, size_t bytes) {
  static PanelCache* cache = new PanelCache();  // never destroyed: calls may run while the process exits
  return cache->get(key, bytes);
}

}  // namespace gated
