// The CPU engine alone, without Node: times rnnForwardCpu (as a call without gradients, then keeping
// the activations for backward) and rnnBackwardCpu of one LSTM layer (float32, time-major, input 64)
// on the shape given, so that changes to the kernels and the thread split can be compared without
// the noise of JavaScript and allocation. From the repo root:
//   c++ -O3 -std=c++17 -pthread bench/native/rnn_engine.cc native/cpu/{rnn_cpu,lstm_step,gru_step,\
//     gru_reset_before_step,rnn_step,gemm,gemm_isa,pool,activations,activations_isa,panel_cache,rounding_isa}.cc \
//     -o /tmp/rnn_engine
//   /tmp/rnn_engine THREADS BATCH STEPS HIDDEN [SPLIT [PHASES]]   (SPLIT: 0 auto, 1 sequences, 2 units, 3 serial;
//   PHASES: the timed phases, e.g. infer or infer,backward; default infer,forward,backward; `pause`
//   times inference calls made 50 ms after the last; IDLE_SPIN_US in the environment sets the
//   pool's idle spin, see pool.h)
// e.g. /tmp/rnn_engine 2 32 50 256 (W5's layer) or /tmp/rnn_engine 2 1 128 256 (W1's).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "../../native/cpu/pool.h"
#include "../../native/cpu/rnn_cpu.h"

using namespace gated;

namespace {

// Median and best of `runs` calls of body, in milliseconds: the time body returns, or else its whole call.
template <typename Body>
void report(const char* label, int runs, const Body& body) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    if constexpr (std::is_same_v<decltype(body()), double>) {
      ms.push_back(body());
    } else {
      body();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  }
  std::sort(ms.begin(), ms.end());
  std::printf("  %-8s median %.3f ms, best %.3f ms (%d calls)\n", label, ms[ms.size() / 2], ms[0], runs);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: rnn_engine THREADS BATCH STEPS HIDDEN [SPLIT [PHASES]]\n");
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const int64_t B = std::atol(argv[2]), T = std::atol(argv[3]), H = std::atol(argv[4]), I = 64;
  setComputeThreads(threads);
  if (getenv("IDLE_SPIN_US")) setIdleSpinMicroseconds(std::atoi(getenv("IDLE_SPIN_US")));
  setRecurrenceSplit(static_cast<RecurrenceSplit>(argc > 5 ? std::atoi(argv[5]) : 0));

  RnnShape s;
  s.cell = Cell::Lstm;
  s.inputSize = I;
  s.hiddenSize = H;
  s.numLayers = 1;
  s.batch = B;
  s.seqLen = T;
  std::mt19937 random(1);
  std::uniform_real_distribution<float> uniform(-0.1f, 0.1f);
  auto filled = [&](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& e : v) e = uniform(random);
    return v;
  };
  std::vector<float> x = filled(T * B * I), wih = filled(4 * H * I), whh = filled(4 * H * H), bih = filled(4 * H),
                     bhh = filled(4 * H), dOutput = filled(T * B * H);
  std::vector<float> output(T * B * H), hN(B * H), cN(B * H), reserve(static_cast<size_t>(ReserveLayout(s).total()));
  std::vector<float> dwih(wih.size()), dwhh(whh.size()), dbih(bih.size()), dbhh(bhh.size()), dh0(B * H), dc0(B * H);

  RnnForwardArgs<float> forward;
  forward.shape = s;
  forward.input = x.data();
  forward.weights.push_back({wih.data(), whh.data(), bih.data(), bhh.data()});
  forward.output = output.data();
  forward.hN = hN.data();
  forward.cN = cN.data();
  forward.reserve = reserve.data();
  RnnBackwardArgs<float> backward;
  backward.forward = forward;
  backward.dOutput = dOutput.data();
  backward.dh0 = dh0.data();
  backward.dc0 = dc0.data();
  backward.weightGrads.push_back({dwih.data(), dwhh.data(), dbih.data(), dbhh.data()});

  std::printf("LSTM batch %lld, %lld steps, input %lld, hidden %lld; %d threads, split %s\n", static_cast<long long>(B),
              static_cast<long long>(T), static_cast<long long>(I), static_cast<long long>(H), threads, argc > 5 ? argv[5] : "0 (auto)");
  RnnForwardArgs<float> inference = forward;
  inference.keepActivations = false;  // as a call without gradients: no gate activations kept
  const std::string phases = argc > 6 ? argv[6] : "infer,forward,backward";
  const auto wanted = [&](const char* phase) { return phases.find(phase) != std::string::npos; };
  if (wanted("infer")) report("infer", 200, [&] { rnnForwardCpu(inference); });
  if (wanted("pause")) {  // each call 50 ms after the last: a server's first call after a quiet spell
    report("after 50 ms", 30, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const auto start = std::chrono::steady_clock::now();
      rnnForwardCpu(inference);
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    });
  }
  if (wanted("forward") || wanted("backward")) report("forward", 200, [&] { rnnForwardCpu(forward); });
  if (wanted("backward")) report("backward", 100, [&] { rnnBackwardCpu(backward); });  // no input gradient, as in training
  return 0;
}
