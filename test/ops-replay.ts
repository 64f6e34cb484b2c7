// Replaying the calls of test/golden-ops/ops.json (made by scripts/make_ops_golden.py) on either
// device: shared by test/ops.test.ts (the CPU, under vitest) and test/gpu/check.ts (CUDA).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import type { Device } from '../ts/storage';
import { Tensor } from '../ts/tensor';
import { TEST_DIR } from './helpers';

export type Literal = number | string | boolean | null | number[];
export interface CallArg {
  call: string;
  args: Arg[];
  field?: 'values' | 'indices';
}
export type Arg = Literal | { t: string } | { ts: string[] } | CallArg | Arg[];

export interface GoldenTensor {
  shape: number[];
  dtype: 'float64' | 'int64' | 'int32' | 'bool';
  data: (number | boolean)[];
  domain?: 'normal' | 'positive' | 'ties';
}

export interface OpCase {
  name: string;
  op: string;
  args: Arg[];
  field?: 'values' | 'indices';
  inputs: Record<string, GoldenTensor>;
  grad_output: number[] | null;
  output: GoldenTensor;
  grads: Record<string, number[]>;
}

const GOLDEN = path.join(TEST_DIR, 'golden-ops', 'ops.json');
export const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as { torch: string; cases: OpCase[] };
export const cases = golden.cases;
export const differentiable = cases.filter((c) => c.grad_output !== null);

export const TOLERANCE: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };

export type Form = 'function' | 'method';
// Tensor methods whose name differs from the function's.
export const METHOD_NAMES: Record<string, string> = { toDType: 'to' };
export const functions = g as unknown as Record<string, (...args: unknown[]) => unknown>;

/** Whether `op` is callable as a method of its first (tensor) argument. */
export function hasMethod(op: string): boolean {
  return typeof (Tensor.prototype as unknown as Record<string, unknown>)[METHOD_NAMES[op] ?? op] === 'function';
}

export function callOp(op: string, args: unknown[], form: Form, used: Set<string>): unknown {
  if (form === 'method' && args[0] instanceof Tensor && hasMethod(op)) {
    used.add(op);
    const self = args[0] as unknown as Record<string, (...a: unknown[]) => unknown>;
    return self[METHOD_NAMES[op] ?? op](...args.slice(1));
  }
  const fn = functions[op];
  if (typeof fn !== 'function') throw new Error(`no op g.${op}`);
  return fn(...args);
}

export interface Replay {
  form: Form;
  dtype: FloatDType; // the dtype of float inputs (and of 'float64' literals)
  tensors: Map<string, Tensor>;
  used: Set<string>; // ops called as methods
}

// Ops that take null itself (linear's bias, embedding's paddingIdx); elsewhere null is PyTorch's
// None: an argument left out (undefined), as in sum(x, undefined, true).
const TAKES_NULL = new Set(['linear', 'embedding']);

export function evaluate(arg: Arg, r: Replay, op = ''): unknown {
  if (Array.isArray(arg)) return arg.map((a) => evaluate(a, r));
  if (arg === null) return TAKES_NULL.has(op) ? null : undefined;
  if (typeof arg === 'object') {
    if ('t' in arg) return r.tensors.get(arg.t);
    if ('ts' in arg) return arg.ts.map((n) => r.tensors.get(n));
    const out = callOp(arg.call, arg.args.map((a) => evaluate(a, r, arg.call)), r.form, r.used);
    return arg.field ? (out as Record<string, Tensor>)[arg.field] : out;
  }
  return arg === 'float64' ? r.dtype : arg;
}

/** The case's input tensors on `device` (float ones require gradients); `fresh` replaces float data. */
export function makeInputs(c: OpCase, dtype: FloatDType, fresh?: (spec: GoldenTensor) => Tensor, device: Device = 'cpu'): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [name, spec] of Object.entries(c.inputs)) {
    const float = spec.dtype === 'float64';
    if (float && fresh) tensors.set(name, fresh(spec));
    else tensors.set(name, g.tensor(spec.data as number[], spec.shape, { dtype: float ? dtype : spec.dtype, requiresGrad: float, device }));
  }
  return tensors;
}

export function run(c: OpCase, form: Form, dtype: FloatDType, tensors = makeInputs(c, dtype)) {
  const r: Replay = { form, dtype, tensors, used: new Set() };
  const out = evaluate({ call: c.op, args: c.args, ...(c.field ? { field: c.field } : {}) }, r) as Tensor;
  if (!(out instanceof Tensor)) throw new Error(`${c.name}: the call did not return a Tensor`);
  return { out, tensors, used: r.used };
}

export function asNumbers(data: ArrayLike<number | bigint | boolean>): number[] {
  return Array.from(data, (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : Number(v)));
}
