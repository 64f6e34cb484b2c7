// Replaying the optimizer runs of test/golden-optim (made by scripts/make_optim_golden.py) on either
// device: shared by test/optim.test.ts (the CPU, under vitest) and test/gpu/check.ts (CUDA).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import type { Device } from '../ts/storage';
import { Tensor } from '../ts/tensor';
import { TEST_DIR, relativeError } from './helpers';

const GOLDEN_DIR = path.join(TEST_DIR, 'golden-optim');
export const LIMITS: Record<FloatDType, number> = { float64: 1e-6, float32: 1e-5 };

export type Nested = number | Nested[];
export type AnyOptimizer = g.optim.Optimizer<g.optim.Hyperparameters, g.optim.ParamState>;
export type Options = Record<string, unknown>;

export interface Golden {
  config: {
    name: string;
    optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
    options: Options;
    groups: ({ params: number[] } & Options)[] | null;
    scheduler: { type: 'StepLR' | 'ExponentialLR' | 'ReduceLROnPlateau'; options: Options } | null;
    metrics: number[] | null;
    clip: { maxNorm: number; normType: number | 'inf' } | null;
  };
  initial: Nested[]; // [tensor]: shapes [3, 4] and [5]
  grads: Nested[][]; // [step][tensor]
  params: Nested[][]; // [step][tensor], after the step
  lrs: number[][]; // [step][group], after the step
  norms: number[]; // [step], clip cases only
}

const OPTIMIZERS: Record<Golden['config']['optimizer'], new (params: never, options: never) => AnyOptimizer> = {
  SGD: g.optim.SGD,
  Adam: g.optim.Adam,
  AdamW: g.optim.AdamW,
  RMSprop: g.optim.RMSprop,
};

export function goldenNames(): string[] {
  return fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace('.json', '')).sort();
}

export function loadGolden(name: string): Golden {
  return JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `${name}.json`), 'utf8')) as Golden;
}

export function flat(values: Nested): number[] {
  return Array.isArray(values) ? values.flatMap(flat) : [values];
}

export function leaf(values: Nested, dtype: FloatDType, device: Device = 'cpu'): Tensor {
  return g.tensor(values, undefined, { dtype, requiresGrad: true, device });
}

export function makeOptimizer(golden: Golden, params: Tensor[]): AnyOptimizer {
  const { optimizer, options, groups } = golden.config;
  const input = groups ? groups.map(({ params: indices, ...rest }) => ({ ...rest, params: indices.map((i) => params[i]) })) : params;
  return new OPTIMIZERS[optimizer](input as never, options as never);
}

export function makeScheduler(golden: Golden, opt: AnyOptimizer): { step(metric?: number): void; getLastLr(): number[] } | null {
  const s = golden.config.scheduler;
  if (!s) return null;
  switch (s.type) {
    case 'StepLR': return new g.optim.StepLR(opt, s.options as unknown as g.optim.StepLROptions);
    case 'ExponentialLR': return new g.optim.ExponentialLR(opt, s.options as unknown as g.optim.ExponentialLROptions);
    case 'ReduceLROnPlateau': {
      const plateau = new g.optim.ReduceLROnPlateau(opt, s.options);
      return { step: (metric) => plateau.step(metric as number), getLastLr: () => plateau.getLastLr() };
    }
  }
}

/** `fact` must hold; `what` says what was expected. */
export type Assert = (fact: boolean, what: string) => void;

/**
 * Steps `from` .. `to` - 1 of a golden run (gradients made on the parameters' device); returns the
 * largest parameter error seen.
 */
export function runSteps(golden: Golden, opt: AnyOptimizer, params: Tensor[], from: number, to: number, assert: Assert): number {
  const { clip, metrics } = golden.config;
  const dtype = params[0].dtype as FloatDType;
  const device = params[0].device;
  const scheduler = makeScheduler(golden, opt);
  let worst = 0;
  for (let step = from; step < to; step++) {
    params.forEach((p, i) => (p.grad = g.tensor(golden.grads[step][i], undefined, { dtype, device })));
    if (clip) {
      const norm = g.nn.utils.clipGradNorm(params, clip.maxNorm, clip.normType === 'inf' ? Infinity : clip.normType);
      const error = Math.abs(norm - golden.norms[step]) / golden.norms[step];
      assert(error <= (dtype === 'float64' ? 1e-12 : 1e-5), `${golden.config.name} ${dtype} step ${step}: clipGradNorm's norm within tolerance (error ${error})`);
    }
    opt.step();
    scheduler?.step(metrics?.[step]);
    params.forEach((p, i) => {
      const error = relativeError(Array.from(p.dataSync() as Float64Array), flat(golden.params[step][i]));
      assert(error <= LIMITS[dtype], `${golden.config.name} ${dtype} step ${step} tensor ${i}: relative error ${error} <= ${LIMITS[dtype]}`);
      worst = Math.max(worst, error);
    });
    const lrs = opt.paramGroups.map((group) => group.lr);
    assert(lrs.join() === golden.lrs[step].join(), `${golden.config.name} step ${step}: learning rates ${golden.lrs[step]} (got ${lrs})`);
    if (scheduler) assert(scheduler.getLastLr().join() === golden.lrs[step].join(), `${golden.config.name} step ${step}: getLastLr`);
  }
  return worst;
}
