// The persistent recurrence kernels' launch arguments: each pass's (a layer's direction, or a
// wavefront's layer) and the buffers a wavefront's layers hand each other (WavefrontBuffers), for
// the CUDA launches (cuda/persistent_rnn.cu) and the CPU emulation (persistent_emulation.cc) alike.
#pragma once
#include <stdexcept>

#include "../core/persistent_recurrence.h"
#include "layer_pass.h"

namespace gated {

// The forward pass's, as the plan's pass `pass`: lengths [B] (device or host memory, as the
// kernel reads it) or null; keepActivations: store the gate activations (and the GRU's W_hn h +
// b_hn) for a backward pass. The products round their operands to p.precision.
template <typename T>
PersistentArgs<T> persistentForwardArgs(const PassPlan& pass, const LayerPass<T>& p, const int32_t* lengths,
                                        bool keepActivations) {
  PersistentArgs<T> a;
  a.cell = p.cell;
  a.steps = static_cast<int>(p.steps);
  a.batch = static_cast<int>(p.batch);
  a.hidden = static_cast<int>(p.hidden);
  a.gates = static_cast<int>(gateCountOf(p.cell));
  a.unitsPerBlock = pass.unitsPerBlock;
  a.layouts = pass.layouts;
  a.reverse = p.reverse;
  a.lengths = lengths;
  a.weight = p.weights.hiddenWeight;
  a.hiddenBias = p.weights.hiddenBias;
  a.states = p.states;
  a.cells = p.cells;
  // The reset-before GRU's stages hand r, z and r * h to each other through them: always written.
  const bool resetBefore = p.cell == Cell::GruResetBefore;
  a.activations = (keepActivations || resetBefore) && a.gates > 1 ? p.gates : nullptr;
  a.extra = (keepActivations && p.cell == Cell::Gru) || resetBefore ? p.extra : nullptr;
  a.inputGates = p.inputGates;
  a.inputStepStride = p.batch * p.width;
  a.precision = p.precision;
  return a;
}

// What the layers of a wavefront hand each other: layer i below another writes its output, the
// dropout applied, into nextInput[i] [T, B, H] (the network's input of the layer above); layer
// i above the first multiplies that with its W_ih each step, into stepInputGates[i] [B, G].
template <typename T>
struct WavefrontBuffers {
  T* nextInput[kMaxLaunchPasses] = {};       // [T, B, H] each; null for the last layer
  T* stepInputGates[kMaxLaunchPasses] = {};  // [B, G] each; the first layer's unused
  DropoutSpec dropout;   // between the layers, in training
  int64_t firstLayer = 0;  // the network's index of the wavefront's first layer (the dropout's stream)
};

// The buffers of a wavefront of n layers from the network's layer `first` on: layer i's output
// goes into the reserve's input of layer first + i + 1 (as the GEMM path leaves it there for the
// backward pass); stepInputGates [n, B, G] (the first layer's part unused).
template <typename T>
WavefrontBuffers<T> wavefrontBuffers(const RnnShape& s, T* reserve, int64_t first, int64_t n, const DropoutSpec& dropout,
                                     T* stepInputGates) {
  const ReserveLayout layout(s);
  WavefrontBuffers<T> buffers;
  buffers.dropout = dropout;
  buffers.firstLayer = first;
  for (int64_t i = 0; i < n; ++i) {
    buffers.nextInput[i] = i + 1 < n ? reserve + layout.layerInput(first + i + 1) : nullptr;
    buffers.stepInputGates[i] = stepInputGates + i * s.batch * s.gateWidth();
  }
  return buffers;
}

// Makes a pass `i` of a wavefront: it runs its step t at launch step t + i; below the last it
// writes nextInput, above the first it reads the output of the layer below.
template <typename T>
void joinWavefront(PersistentArgs<T>& a, const LayerPass<T>& p, int i, int layers, const WavefrontBuffers<T>& w) {
  a.lag = i;
  if (i + 1 < layers) {
    a.nextInput = w.nextInput[i];
    a.dropoutProbability = w.dropout.probability;
    a.dropoutSeed = w.dropout.seed;
    a.dropoutStream = static_cast<uint32_t>(w.firstLayer + i);
  }
  if (i == 0) return;
  // The layer below's output is this layer's input as its W_ih rows were planned (forward only).
  if (p.reverse || p.inputSize != a.layouts.input.depth) throw std::logic_error("persistent wavefront: input width not as planned");
  a.inputWeight = p.weights.inputWeight;
  a.inputBias = p.weights.inputBias;
  a.below = w.nextInput[i - 1];
  a.belowWidth = static_cast<int>(p.inputSize);
  a.inputGates = w.stepInputGates[i];
  a.inputStepStride = 0;
}

// The backward pass's: dh, dc [B, H] in and out (see PersistentArgs); dLayerOutput
// [T, B, directions * H] or null, of which the pass reads its direction's part.
template <typename T>
PersistentArgs<T> persistentBackwardArgs(const PassPlan& pass, const LayerPass<T>& p, const int32_t* lengths, T* dh, T* dc,
                                         const T* dLayerOutput, int64_t directions) {
  PersistentArgs<T> a = persistentForwardArgs(pass, p, lengths, true);
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

// A launch of passes[0 .. plan.passes), their arguments made by argsOf(plan's pass i, pass i, i).
template <typename T, typename ArgsOf>
PersistentLaunch<T> launchOf(const PersistentPlan& plan, const LayerPass<T>* passes, bool backward, const ArgsOf& argsOf) {
  PersistentLaunch<T> launch;
  launch.passes = plan.passes;
  for (int i = 0; i < plan.passes; ++i) {
    // The passes must share T: backwardStep, unlike forwardStep, has no idle steps.
    if (passes[i].steps != passes[0].steps) throw std::logic_error("persistent launch: passes of different lengths");
    launch.pass[i] = argsOf(plan.pass[i], passes[i], i);
    launch.firstBlock[i + 1] = plan.pass[i].firstBlock + plan.pass[i].blocks;
    const int steps = launch.pass[i].lag + passSteps(launch.pass[i], backward);
    if (steps > launch.steps) launch.steps = steps;
  }
  return launch;
}

// The forward launch of passes[0 .. plan.passes) (see persistentForwardArgs): a layer's
// directions, or the layers of a wavefront (plan.layers over 1, with `wavefront`), each with its
// initial state rows written and the first with its inputGates filled.
template <typename T>
PersistentLaunch<T> persistentForwardLaunch(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths,
                                            bool keepActivations, const WavefrontBuffers<T>* wavefront) {
  if (plan.layers > 1 && !wavefront) throw std::logic_error("persistent launch: a wavefront without its buffers");
  return launchOf(plan, passes, false, [&](const PassPlan& pass, const LayerPass<T>& p, int i) {
    PersistentArgs<T> a = persistentForwardArgs(pass, p, lengths, keepActivations);
    if (plan.layers > 1) joinWavefront(a, p, i, plan.layers, *wavefront);
    return a;
  });
}

// The backward launch: pass i with dh[i] and dc[i] (see persistentBackwardArgs).
template <typename T>
PersistentLaunch<T> persistentBackwardLaunch(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths,
                                             T* const* dh, T* const* dc, const T* dLayerOutput, int64_t directions) {
  return launchOf(plan, passes, true, [&](const PassPlan& pass, const LayerPass<T>& p, int i) {
    return persistentBackwardArgs(pass, p, lengths, dh[i], dc[i], dLayerOutput, directions);
  });
}

}  // namespace gated
