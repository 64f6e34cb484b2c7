// The persistent recurrence kernels' arguments for one layer and direction's pass, for the CUDA
// launches (cuda/persistent_rnn.cu) and the CPU emulation (persistent_emulation.cc) alike.
#pragma once
#include <stdexcept>

#include "../core/persistent_recurrence.h"
#include "layer_pass.h"

namespace gated {

// The forward pass's: lengths [B] (device or host memory, as the kernel reads it) or null;
// keepActivations: store the gate activations (and the GRU's W_hn h + b_hn) for a backward pass.
// The products round their operands to p.precision.
template <typename T>
PersistentArgs<T> persistentForwardArgs(const PersistentPlan& plan, const LayerPass<T>& p, const int32_t* lengths,
                                        bool keepActivations) {
  PersistentArgs<T> a;
  a.cell = p.cell;
  a.steps = static_cast<int>(p.steps);
  a.batch = static_cast<int>(p.batch);
  a.hidden = static_cast<int>(p.hidden);
  a.gates = static_cast<int>(p.width / p.hidden);
  a.unitsPerBlock = plan.unitsPerBlock;
  a.reverse = p.reverse;
  a.lengths = lengths;
  a.weight = p.weights.hiddenWeight;
  a.hiddenBias = p.cell == Cell::Gru ? p.weights.hiddenBias : nullptr;
  a.states = p.states;
  a.cells = p.cells;
  // The reset-before GRU's stages hand r, z and r * h to each other through them: always written.
  const bool resetBefore = p.cell == Cell::GruResetBefore;
  a.activations = (keepActivations || resetBefore) && a.gates > 1 ? p.gates : nullptr;
  a.extra = (keepActivations && p.cell == Cell::Gru) || resetBefore ? p.extra : nullptr;
  a.inputGates = p.inputGates;
  a.precision = p.precision;
  return a;
}

// The backward pass's: dh, dc [B, H] in and out (see PersistentArgs); dLayerOutput
// [T, B, directions * H] or null, of which the pass reads its direction's part.
template <typename T>
PersistentArgs<T> persistentBackwardArgs(const PersistentPlan& plan, const LayerPass<T>& p, const int32_t* lengths, T* dh,
                                         T* dc, const T* dLayerOutput, int64_t directions) {
  PersistentArgs<T> a = persistentForwardArgs(plan, p, lengths, true);
  a.inputGates = nullptr;
  a.precision = OperandPrecision::Float32;
  a.dLayerOutput = dLayerOutput;
  a.directions = static_cast<int>(directions);
  a.direction = p.reverse ? 1 : 0;
  a.dh = dh;
  a.dc = dc;
  a.dGates = p.dGates;
  a.dHiddenGates = p.dHiddenGates;
  return a;
}

// A launch of passes[0 .. plan.directions), their arguments made by argsOf(pass, its index).
template <typename T, typename ArgsOf>
PersistentLaunch<T> launchOf(const PersistentPlan& plan, const LayerPass<T>* passes, const ArgsOf& argsOf) {
  PersistentLaunch<T> launch;
  launch.blocksPerDirection = plan.blocksPerDirection();
  // Every block meets every grid barrier only if the passes take the same number of steps.
  if (plan.directions == 2 && passes[0].steps != passes[1].steps) throw std::logic_error("persistent launch: passes of different lengths");
  for (int dir = 0; dir < plan.directions; ++dir) launch.pass[dir] = argsOf(passes[dir], dir);
  return launch;
}

// The forward launch of passes[0 .. plan.directions) (see persistentForwardArgs).
template <typename T>
PersistentLaunch<T> persistentForwardLaunch(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths,
                                            bool keepActivations) {
  return launchOf(plan, passes, [&](const LayerPass<T>& p, int) { return persistentForwardArgs(plan, p, lengths, keepActivations); });
}

// The backward launch: pass i with dh[i] and dc[i] (see persistentBackwardArgs).
template <typename T>
PersistentLaunch<T> persistentBackwardLaunch(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths,
                                             T* const* dh, T* const* dc, const T* dLayerOutput, int64_t directions) {
  return launchOf(plan, passes, [&](const LayerPass<T>& p, int i) {
    return persistentBackwardArgs(plan, p, lengths, dh[i], dc[i], dLayerOutput, directions);
  });
}

}  // namespace gated
