// The machine's float32 FMA peak: each thread runs 12 independent chains of vector FMAs (more than
// the FMA latency times the FMA units, so the units never wait) for about half a second.
// Built and run by bench/run.js: c++ -O3 -march=native -pthread fma_peak.cc; ./a.out THREADS
// prints "GFLOPS <total over the threads>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

// One vector register of floats: 12 chains plus two constants must fit in the register file (16
// registers with AVX2), or the compiler spills and measures the stores instead.
#ifdef __AVX512F__
constexpr int kLanes = 16;
#else
constexpr int kLanes = 8;
#endif
constexpr int kChains = 12;  // independent accumulators per thread
typedef float Vec __attribute__((vector_size(4 * kLanes)));

double gflopsOfOneThread(long iterations) {
  Vec chains[kChains];
  for (int c = 0; c < kChains; ++c) chains[c] = Vec{} + 0.001f * static_cast<float>(c);
  const Vec scale = Vec{} + 0.999f, shift = Vec{} + 0.0001f;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) chains[c] = chains[c] * scale + shift;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  float sink = 0;
  for (int c = 0; c < kChains; ++c) sink += chains[c][0];
  if (sink == 1234.5f) std::puts("");  // keeps the chains alive
  return 2.0 * kLanes * kChains * static_cast<double>(iterations) / seconds / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const long iterations = 100000000;
  std::vector<double> rates(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back([&, t] { rates[t] = gflopsOfOneThread(iterations); });
  rates[0] = gflopsOfOneThread(iterations);
  for (std::thread& worker : workers) worker.join();
  double total = 0;
  for (double rate : rates) total += rate;
  std::printf("GFLOPS %.1f\n", total);
}
