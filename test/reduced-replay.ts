// The bfloat16 / float16 golden cases (test/golden/reduced, scripts/make_reduced_golden.py), shared
// by the vitest suite and the GPU check: one case's forward pass on a device, and its errors against
// the PyTorch reference that rounds the same operands and against float32.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../ts/index';
import { Tensor } from '../ts/tensor';
import { CaseConfig, GOLDEN_DIR, cast, floats, makeModule, relativeError, setParameters } from './helpers';

export const REDUCED_DIR = path.join(GOLDEN_DIR, 'reduced');
export const PRECISIONS = ['bfloat16', 'float16'] as const;
export type Precision = (typeof PRECISIONS)[number];

// Against the reference that rounds the same operands: only the summation order differs (float32
// here, float64 there), and now and then that moves a state across a 16-bit rounding boundary.
export const AGAINST_REFERENCE: Record<Precision, number> = { bfloat16: 5e-4, float16: 5e-5 };
// Against float32 (no rounding): the price of 8 (bfloat16) or 11 (float16) significant bits. The
// floors prove the operands were rounded at all.
export const AGAINST_FLOAT32: Record<Precision, { most: number; least: number }> = {
  bfloat16: { most: 2e-2, least: 5e-4 },
  float16: { most: 3e-3, least: 5e-5 },
};

export function loadReduced(file: string) {
  const { tensors, metadata } = g.parseSafetensors(fs.readFileSync(path.join(REDUCED_DIR, file)));
  const get = (key: string) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`${file}: no tensor '${key}'`);
    return t;
  };
  const config = metadata.config ? (JSON.parse(metadata.config) as CaseConfig) : null;
  return { config, get, has: (key: string) => tensors.has(key) };
}

/** The case files (all but the rounding table). */
export function reducedCaseFiles(): string[] {
  return fs.readdirSync(REDUCED_DIR).filter((f) => f.endsWith('.safetensors') && f !== 'rounding.safetensors').sort();
}

export interface ReducedErrors {
  /** Against PyTorch rounding the same operands. */
  reference: number;
  /** Against float32 (no rounding). */
  againstFloat32: number;
}

/** One case's forward pass in `precision` on `device`: the errors of output, h and c. */
export function runReducedCase(file: string, precision: Precision, device: 'cpu' | 'cuda'): Map<string, ReducedErrors> {
  const { config, get, has } = loadReduced(file);
  if (!config) throw new Error(`${file}: no config`);
  const module = makeModule(config, precision);
  setParameters(module, get);
  module.to(device);
  const onDevice = (key: string) => cast(get(key), 'float32').to(device);
  const state = {
    lengths: config.hasLengths ? get('lengths') : undefined,
    h0: config.hasH0 ? onDevice('h0') : undefined,
    ...(config.hasH0 && config.cell === 'lstm' ? { c0: onDevice('c0') } : {}),
  };
  const result = g.noGrad(() => (module as g.nn.LSTM).forward(onDevice('input'), state)) as { output: Tensor; h: Tensor; c?: Tensor };
  if (result.output.dtype !== 'float32') throw new Error(`${file}: output of dtype ${result.output.dtype}`);
  const errors = new Map<string, ReducedErrors>();
  for (const key of ['output', 'h', 'c'] as const) {
    if (!has(`exact.${key}`)) continue;
    const actual = floats(result[key]);
    errors.set(key, {
      reference: relativeError(actual, floats(get(`${precision}.${key}`))),
      againstFloat32: relativeError(actual, floats(get(`exact.${key}`))),
    });
  }
  return errors;
}

/** Throws unless every error is within the bounds of `precision`; returns the worst, described. */
export function checkReducedErrors(errors: Map<string, ReducedErrors>, precision: Precision): string {
  let worst = 0;
  for (const [key, { reference, againstFloat32 }] of errors) {
    const bounds = AGAINST_FLOAT32[precision];
    if (!(reference <= AGAINST_REFERENCE[precision])) {
      throw new Error(`${key}: relative error ${reference.toExponential(2)} against the rounded reference > ${AGAINST_REFERENCE[precision]}`);
    }
    if (!(againstFloat32 <= bounds.most && againstFloat32 >= bounds.least)) {
      throw new Error(`${key}: relative error ${againstFloat32.toExponential(2)} against float32 outside [${bounds.least}, ${bounds.most}]`);
    }
    worst = Math.max(worst, reference);
  }
  return `worst ${worst.toExponential(2)} against the rounded reference`;
}
