// With chrono initialisation, LSTM and GRU solve the long-dependency task at length 50 within 600
// Adam steps on every seed (PyTorch's default initialisation leaves LSTM at chance there). The
// training loop is the main demo's (examples/demo.js), so the demo is tested too.
import { describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { train } = require('../examples/demo.js') as {
  train: (options: { cell: string; seqLength: number; seed: number; steps: number; chrono: boolean; stopAtPerfect: boolean }) => {
    accuracy: number;
    steps: number;
  };
};

describe('long-dependency task, length 50, chrono initialisation', () => {
  it.each([
    ['lstm', 0], ['lstm', 1], ['lstm', 2],
    ['gru', 0], ['gru', 1], ['gru', 2],
  ] as const)('%s, seed %i, reaches 95 percent test accuracy within 600 steps', (cell, seed) => {
    const result = train({ cell, seqLength: 50, seed, steps: 600, chrono: true, stopAtPerfect: true });
    console.log(`long-dependency ${cell} seed ${seed}: accuracy ${result.accuracy} after ${result.steps} steps`);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
