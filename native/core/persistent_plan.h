// How the persistent recurrence kernels (persistent_recurrence.h) split a layer's work over a
// cooperative grid: which blocks each pass of a launch takes (a layer's direction, both directions
// of a bidirectional layer, or the layers of a wavefront), how many hidden units each block owns,
// and how its products lie in shared memory; or that the kernels do not take the shape.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <tuple>

#include "persistent_product.h"
#include "rnn_shape.h"

namespace gated {

constexpr int64_t kPersistentMaxBatch = 64;
constexpr int kMaxLaunchPasses = 4;  // passes in one launch: a layer's two directions, or up to 4 layers

// One pass's share of a launch: its blocks, the units each owns, and their products' layouts.
struct PassPlan {
  int firstBlock = 0, blocks = 0, unitsPerBlock = 0;
  BlockLayouts layouts;
};

// The grid for a layer's forward or backward work, or for a wavefront of layers' forward work:
// blocks 0 when the kernels do not take the shape (batch over kPersistentMaxBatch) or a block's
// share does not fit.
struct PersistentPlan {
  int blocks = 0;      // in all
  int passes = 0;      // per launch
  int directions = 1;  // 2: both directions of a bidirectional layer in one launch, half the multiprocessors each
  int layers = 1;      // over 1: that many stacked layers in one launch, a wavefront
  PassPlan pass[kMaxLaunchPasses];
  size_t sharedBytes = 0;  // per block, the largest pass's
  bool takesBothDirections() const { return blocks > 0 && directions == 2; }
};

// All that a plan depends on, besides the device and the element size (so a cache of plans keys
// on it whole). layers: the stacked layers one forward launch runs as a wavefront (1: one layer).
struct PersistentShape {
  Cell cell = Cell::Lstm;
  int64_t batch = 0, hidden = 0, directions = 1, layers = 1;

  static PersistentShape of(const RnnShape& s, int64_t layers = 1) {
    return {s.cell, s.batch, s.hiddenSize, s.directions(), layers};
  }
  bool operator<(const PersistentShape& o) const {
    return std::tie(cell, batch, hidden, directions, layers) < std::tie(o.cell, o.batch, o.hidden, o.directions, o.layers);
  }
};

// A pass whose blocks own `units` units each, when their products fit: forward rows gates * U of
// depth H (and, withInput, the same rows of W_ih, of depth H: a wavefront layer above the first);
// backward rows U of depth G.
inline bool fitPass(const PersistentShape& s, bool backward, int units, bool withInput, size_t sharedPerBlock,
                    size_t elementBytes, PassPlan* out) {
  const int H = static_cast<int>(s.hidden), gates = static_cast<int>(gateCountOf(s.cell)), B = static_cast<int>(s.batch);
  const int rows = backward ? units : gates * units;
  // The reset-before GRU's forward stages multiply only the rows they use: r and z, then n.
  const int stageSplit = !backward && s.cell == Cell::GruResetBefore ? 2 * units : 0;
  if (!fittingLayouts(rows, backward ? gates * H : H, stageSplit, withInput ? rows : 0, H, B, sharedPerBlock, elementBytes,
                      &out->layouts)) {
    return false;
  }
  out->unitsPerBlock = units;
  out->blocks = (H + units - 1) / units;
  return true;
}

// The plan of passes[0 .. count): their blocks one after the other.
inline PersistentPlan planOfPasses(const PassPlan* passes, int count, int directions, int layers, size_t elementBytes) {
  PersistentPlan plan;
  plan.passes = count;
  plan.directions = directions;
  plan.layers = layers;
  for (int i = 0; i < count; ++i) {
    plan.pass[i] = passes[i];
    plan.pass[i].firstBlock = plan.blocks;
    plan.blocks += passes[i].blocks;
    const size_t bytes = passes[i].layouts.elements() * elementBytes;
    if (bytes > plan.sharedBytes) plan.sharedBytes = bytes;
  }
  return plan;
}

// A wavefront of s.layers unidirectional layers on the multiprocessors. A block of a layer above
// the first has two products (W_ih and W_hh rows) for each of its units, so it owns half as many
// units as a block of the first: every block then does about the same work per step.
inline PersistentPlan wavefrontPlanFor(const PersistentShape& s, int multiprocessors, size_t sharedPerBlock,
                                       size_t elementBytes) {
  const int n = static_cast<int>(s.layers), H = static_cast<int>(s.hidden);
  if (s.directions != 1 || n < 2 || n > kMaxLaunchPasses || multiprocessors < n) return {};
  const auto blocksFor = [&](int units) { return (H + units - 1) / units; };
  int above = static_cast<int>((static_cast<int64_t>(H) * (2 * n - 1) + 2 * multiprocessors - 1) / (2 * multiprocessors));
  if (above < 1) above = 1;
  for (; above < H; ++above) {
    const int first = 2 * above < H ? 2 * above : H;
    if (blocksFor(first) + (n - 1) * blocksFor(above) <= multiprocessors) break;
  }
  PassPlan passes[kMaxLaunchPasses];
  const int first = 2 * above < H ? 2 * above : H;
  if (!fitPass(s, false, first, false, sharedPerBlock, elementBytes, &passes[0])) return {};
  for (int i = 1; i < n; ++i) {
    if (!fitPass(s, false, above, true, sharedPerBlock, elementBytes, &passes[i])) return {};
  }
  return planOfPasses(passes, n, 1, n, elementBytes);
}

// A layer's forward or backward plan (s.layers 1), or a wavefront's forward plan (s.layers over
// 1). A bidirectional layer gets one launch for both directions when their blocks' shares fit on
// half the multiprocessors each.
inline PersistentPlan persistentPlanFor(const PersistentShape& s, bool backward, int multiprocessors, size_t sharedPerBlock,
                                        size_t elementBytes) {
  if (s.batch > kPersistentMaxBatch || s.hidden > (1 << 20)) return {};
  if (s.layers > 1) return backward ? PersistentPlan{} : wavefrontPlanFor(s, multiprocessors, sharedPerBlock, elementBytes);
  const int H = static_cast<int>(s.hidden);
  const auto planOn = [&](int directions) {
    const int available = multiprocessors / directions;
    if (available < 1) return PersistentPlan{};
    const int blocks = H < available ? H : available;
    PassPlan passes[2];
    if (!fitPass(s, backward, (H + blocks - 1) / blocks, false, sharedPerBlock, elementBytes, &passes[0])) return PersistentPlan{};
    passes[1] = passes[0];
    return planOfPasses(passes, directions, directions, 1, elementBytes);
  };
  if (s.directions == 2) {
    const PersistentPlan both = planOn(2);
    if (both.blocks > 0) return both;
  }
  return planOn(1);
}

// When stacked unidirectional layers run as a wavefront in one forward launch. On: whenever their
// shares fit. Off: a launch per layer. Auto: when wavefrontPays.
enum class WavefrontMode : int { Auto = 0, Off = 1, On = 2 };

// An estimate, to be measured on a card: a grid barrier costs about as much as 2^17 multiply-adds
// per multiprocessor. A wavefront of n layers takes T + n - 1 barriers instead of n * T, but each
// of its launch steps does the n layers' products (2n - 1 of a layer's recurrent product) on the
// multiprocessors one layer's step has alone; so it wins when one layer's step product per
// multiprocessor costs less than a barrier.
constexpr int64_t kWavefrontWorkPerMultiprocessor = int64_t(1) << 17;
inline bool wavefrontPays(const PersistentShape& s, int multiprocessors) {
  return s.batch * gateCountOf(s.cell) * s.hidden * s.hidden <= kWavefrontWorkPerMultiprocessor * multiprocessors;
}

// The plan of the wavefront that runs layers from `first` on, on a device of `multiprocessors`:
// none (blocks 0: a launch per layer) unless the layers are unidirectional, the mode allows it
// (Auto: wavefrontPays), and planOf(n), the plan of n layers, fits; then that of as many layers as
// a launch takes, fewer where their plan does not fit.
template <typename PlanOf>
PersistentPlan wavefrontPlan(const RnnShape& s, int64_t first, WavefrontMode mode, int multiprocessors, const PlanOf& planOf) {
  if (mode == WavefrontMode::Off || s.directions() != 1) return {};
  if (mode == WavefrontMode::Auto && !wavefrontPays(PersistentShape::of(s), multiprocessors)) return {};
  for (int64_t n = std::min<int64_t>(s.numLayers - first, kMaxLaunchPasses); n > 1; --n) {
    const PersistentPlan plan = planOf(n);
    if (plan.blocks > 0) return plan;
  }
  return {};
}

}  // namespace gated
