// The persistent recurrence for small-batch inference: one cooperative launch runs every step of a
// layer and direction. Each block keeps the rows of W_hh for its slice of hidden units in shared
// memory for the whole sequence, stages h_{t-1} [B, H] in shared memory, computes its units' gate
// products and the cell update, writes h_t, and the grid synchronises once per step. So a step
// costs one grid barrier and no kernel launch, and W_hh is read from device memory once.
#pragma once
#include <cooperative_groups.h>

#include "../core/cell_math.h"
#include "../core/rnn_shape.h"

namespace gated::cuda {

struct PersistentArgs {
  Cell cell = Cell::Lstm;
  int steps = 0, batch = 0, hidden = 0, gates = 1;
  int unitsPerBlock = 1;             // U: hidden units owned by each block
  bool reverse = false;
  const int32_t* lengths = nullptr;  // [B] or null
  const float* inputGates = nullptr; // [T, B, G] input projections with the folded biases
  const float* weight = nullptr;     // W_hh [G, H]
  const float* hiddenBias = nullptr; // [G] b_hh, reset-after GRU only (else null)
  float* states = nullptr;           // [T+1, B, H] (rows as in LayerPass)
  float* cells = nullptr;            // [T+1, B, H] LSTM
};

// Shared memory: W rows [gates * U, H], h [B, H], products [B, gates, U].
inline size_t persistentSharedBytes(int gates, int units, int batch, int hidden) {
  return sizeof(float) * (static_cast<size_t>(gates) * units * hidden + static_cast<size_t>(batch) * hidden +
                          static_cast<size_t>(batch) * gates * units);
}

constexpr int kPersistentThreads = 256;

__global__ void __launch_bounds__(kPersistentThreads) persistentRecurrence(PersistentArgs a) {
  namespace cg = cooperative_groups;
  extern __shared__ float shared[];
  const int H = a.hidden, B = a.batch, NG = a.gates, U = a.unitsPerBlock, G = NG * H;
  const int j0 = blockIdx.x * U;
  const int units = min(U, H - j0);
  float* w = shared;           // row gate * U + u holds W_hh row gate * H + j0 + u
  float* h = w + NG * U * H;   // h_{t-1}
  float* products = h + B * H; // [B, NG, U]
  for (int index = threadIdx.x; index < NG * units * H; index += blockDim.x) {
    const int row = index / H, k = index % H, gate = row / units, u = row % units;
    w[(gate * U + u) * H + k] = a.weight[static_cast<int64_t>(gate * H + j0 + u) * H + k];
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
  cg::grid_group grid = cg::this_grid();
  for (int step = 0; step < a.steps; ++step) {
    const int t = a.reverse ? a.steps - 1 - step : step;
    const int64_t before = static_cast<int64_t>(a.reverse ? t + 1 : t) * B * H;
    const int64_t after = static_cast<int64_t>(a.reverse ? t : t + 1) * B * H;
    // Rows written by other blocks in the previous step: read past the (incoherent) L1.
    for (int index = threadIdx.x; index < B * H; index += blockDim.x) h[index] = __ldcg(a.states + before + index);
    __syncthreads();
    // One warp per (sequence, gate, unit) dot product of a W row with h.
    for (int pair = warp; pair < B * NG * units; pair += warps) {
      const int b = pair / (NG * units), r = pair % (NG * units), gate = r / units, u = r % units;
      const float* row = w + (gate * U + u) * H;
      const float* state = h + b * H;
      float sum = 0.f;
      for (int k = lane; k < H; k += 32) sum += row[k] * state[k];
      for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
      if (lane == 0) products[(b * NG + gate) * U + u] = sum;
    }
    __syncthreads();
    for (int pair = threadIdx.x; pair < B * units; pair += blockDim.x) {
      const int b = pair / units, u = pair % units, j = j0 + u;
      const int64_t at = static_cast<int64_t>(b) * H + j;
      const bool active = a.lengths == nullptr || t < a.lengths[b];
      if (!active) {
        a.states[after + at] = h[at];
        if (a.cell == Cell::Lstm) a.cells[after + at] = __ldcg(a.cells + before + at);
        continue;
      }
      const float* x = a.inputGates + (static_cast<int64_t>(t) * B + b) * G;
      const float* q = products + b * NG * U;
      float hNext;
      if (a.cell == Cell::Lstm) {
        float i, f, g, o, c;
        lstmForward(x[j] + q[u], x[H + j] + q[U + u], x[2 * H + j] + q[2 * U + u], x[3 * H + j] + q[3 * U + u],
                    __ldcg(a.cells + before + at), &i, &f, &g, &o, &c, &hNext);
        a.cells[after + at] = c;
      } else if (a.cell == Cell::Gru) {
        const float* bh = a.hiddenBias;
        float r, z, n;
        gruForward(x[j], x[H + j], x[2 * H + j], q[u] + (bh ? bh[j] : 0.f), q[U + u] + (bh ? bh[H + j] : 0.f),
                   q[2 * U + u] + (bh ? bh[2 * H + j] : 0.f), h[at], &r, &z, &n, &hNext);
      } else {
        hNext = rnnActivate(a.cell == Cell::RnnRelu, x[j] + q[u]);
      }
      a.states[after + at] = hNext;
    }
    grid.sync();
  }
}

}  // namespace gated::cuda
