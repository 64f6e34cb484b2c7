// The shape of one call of a stacked, possibly bidirectional recurrent network, and the layout of
// the reserve: what the forward pass stores so the backward pass recomputes nothing.
#pragma once
#include <cstdint>
#include <vector>

#include "hd.h"

namespace gated {

// A direction's order in time, on every device: position `step` of its loop processes time
// timeOfStep; the states (and cells) [T+1, B, H] hold, at row rowBeforeTime(t), the value before
// time t is processed and at rowAfterTime(t) the value after.
GATED_HD int64_t timeOfStep(bool reverse, int64_t steps, int64_t step) { return reverse ? steps - 1 - step : step; }
GATED_HD int64_t rowBeforeTime(bool reverse, int64_t t) { return reverse ? t + 1 : t; }
GATED_HD int64_t rowAfterTime(bool reverse, int64_t t) { return reverse ? t : t + 1; }

enum class Cell : int32_t { Lstm = 0, Gru = 1, GruResetBefore = 2, RnnTanh = 3, RnnRelu = 4 };

// Gates per hidden unit: LSTM i f g o; GRU r z n; a plain RNN one.
inline int64_t gateCountOf(Cell cell) {
  switch (cell) {
    case Cell::Lstm: return 4;
    case Cell::Gru:
    case Cell::GruResetBefore: return 3;
    default: return 1;
  }
}

struct RnnShape {
  Cell cell = Cell::Lstm;
  int64_t inputSize = 0;
  int64_t hiddenSize = 0;
  int64_t numLayers = 1;
  bool bidirectional = false;
  bool hasBias = true;
  bool batchFirst = false;
  int64_t seqLen = 0;  // T
  int64_t batch = 0;   // B

  int64_t gateCount() const { return gateCountOf(cell); }
  int64_t directions() const { return bidirectional ? 2 : 1; }
  int64_t gateWidth() const { return gateCount() * hiddenSize; }  // G = gates * H
  int64_t layerInputSize(int64_t layer) const { return layer == 0 ? inputSize : directions() * hiddenSize; }
  int64_t layerOutputSize() const { return directions() * hiddenSize; }
  bool hasCellState() const { return cell == Cell::Lstm; }
  bool isGru() const { return cell == Cell::Gru || cell == Cell::GruResetBefore; }
  int64_t stateCount() const { return numLayers * directions(); }  // rows of h0 / hN
  int64_t tensorsPerLayerDirection() const { return hasBias ? 4 : 2; }
};

// Offsets (in elements) of the reserve's parts, per layer and direction:
//   states [T+1, B, H]      hidden state before the first and after every processed step
//   cells  [T+1, B, H]      LSTM cell state, laid out like states
//   gates  [T, B, gates*H]  gate activations (LSTM i f g o; GRU r z n); none for a plain RNN
//   extra  [T, B, H]        GRU: W_hn h + b_hn (reset-after) or r * h (reset-before)
// and per layer l >= 1 its input [T, B, directions*H] (the previous layer's output after dropout).
class ReserveLayout {
 public:
  explicit ReserveLayout(const RnnShape& shape) : shape_(shape) {
    const int64_t T = shape.seqLen, B = shape.batch, H = shape.hiddenSize;
    const int64_t slots = shape.stateCount();
    states_.resize(slots); cells_.resize(slots); gates_.resize(slots); extra_.resize(slots);
    layerInputs_.assign(shape.numLayers, -1);
    int64_t offset = 0;
    for (int64_t layer = 0; layer < shape.numLayers; ++layer) {
      if (layer > 0) {
        layerInputs_[layer] = offset;
        offset += T * B * shape.layerOutputSize();
      }
      for (int64_t dir = 0; dir < shape.directions(); ++dir) {
        const int64_t slot = layer * shape.directions() + dir;
        states_[slot] = offset; offset += (T + 1) * B * H;
        cells_[slot] = offset; if (shape.hasCellState()) offset += (T + 1) * B * H;
        gates_[slot] = offset; if (shape.gateCount() > 1) offset += T * B * shape.gateWidth();
        extra_[slot] = offset; if (shape.isGru()) offset += T * B * H;
      }
    }
    total_ = offset;
  }
  int64_t states(int64_t slot) const { return states_[slot]; }
  int64_t cells(int64_t slot) const { return cells_[slot]; }
  int64_t gates(int64_t slot) const { return gates_[slot]; }
  int64_t extra(int64_t slot) const { return extra_[slot]; }
  int64_t layerInput(int64_t layer) const { return layerInputs_[layer]; }
  int64_t total() const { return total_; }

 private:
  RnnShape shape_;
  std::vector<int64_t> states_, cells_, gates_, extra_, layerInputs_;
  int64_t total_ = 0;
};

}  // namespace gated
