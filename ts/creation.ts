// Making tensors: from data, filled, or random (seeded with g.manualSeed).
import { FloatArray } from './autograd';
import { DType, TypedArray, allocate, dtypeOfArray, isDType, isFloatDType } from './dtype';
import { CudaArray } from './cuda_array';
import { checkDevice, getDevice, requireCuda } from './device';
import { elementCount } from './layout';
import type { Device } from './storage';
import { fillNormal, fillUniform } from './random';
import { Tensor, NestedArray } from './tensor';
import { checkBoolean, checkInteger, checkKnownKeys, rangeError, received, shapeString, typeError } from './validate';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Where the tensor lives: 'cpu' or 'cuda'; g.setDevice() sets the default (the CPU). */
  device?: Device;
}

function checkOptions(options: unknown, name = 'options'): TensorOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw typeError(name, 'an object', options);
  checkKnownKeys(options, name, ['dtype', 'requiresGrad', 'device']);
  const { dtype, requiresGrad, device } = options as TensorOptions;
  if (device !== undefined) checkDevice(device, `${name}.device`);
  if (dtype !== undefined && !isDType(dtype)) throw typeError(`${name}.dtype`, "'float32', 'float64', 'int32', 'int64' or 'bool'", dtype);
  if (requiresGrad !== undefined) checkBoolean(requiresGrad, `${name}.requiresGrad`);
  return { dtype, requiresGrad, device };
}

export function checkShape(shape: unknown, name = 'shape'): number[] {
  if (!Array.isArray(shape)) throw typeError(name, 'an array of non-negative integers', shape);
  return shape.map((d, i) => checkInteger(d, `${name}[${i}]`, 0));
}

function finish(data: TypedArray, shape: number[], dtype: DType, options: TensorOptions): Tensor {
  const device = options.device ?? getDevice();
  if (device === 'cuda') requireCuda();
  const t = Tensor.fromData(device === 'cuda' ? CudaArray.fromHost(data, dtype) : data, shape, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** The shape of nested arrays, checking that they are rectangular. */
function nestedShape(data: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (value: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(value)) throw rangeError(`data${path}`, 'a number (the arrays are not rectangular)', value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      throw rangeError(`data${path}`, `an array of length ${shape[dim]} (the arrays are not rectangular)`, value);
    }
    value.forEach((v, i) => check(v, dim + 1, `${path}[${i}]`));
  };
  check(data, 0, '');
  return shape;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function writeValue(out: TypedArray, i: number, value: unknown, dtype: DType, name = `data element ${i}`): void {
  if (out instanceof BigInt64Array) {
    let big: bigint;
    if (typeof value === 'bigint') big = value;
    else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
    else throw typeError(name, 'an integer (number or bigint) for int64', value);
    if (big < INT64_MIN || big > INT64_MAX) throw rangeError(name, 'an integer in [-2^63, 2^63) for int64', value);
    out[i] = big;
    return;
  }
  if (dtype === 'bool') {
    if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw typeError(name, 'a boolean (or 0 / 1) for bool', value);
    out[i] = value ? 1 : 0;
    return;
  }
  const number = typeof value === 'bigint' ? Number(value) : typeof value === 'boolean' ? Number(value) : value;
  if (typeof number !== 'number') throw typeError(name, 'a number', value);
  if (!isFloatDType(dtype) && !Number.isInteger(number)) throw typeError(name, `an integer for ${dtype}`, value);
  if (dtype === 'int32' && (number < -(2 ** 31) || number >= 2 ** 31)) throw rangeError(name, 'an integer in [-2^31, 2^31) for int32', value);
  out[i] = number;
}

/**
 * A tensor from nested arrays, a flat array with a shape, or a typed array (copied).
 * The dtype defaults to the typed array's type, else float32.
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], shape?: readonly number[], options?: TensorOptions): Tensor {
  const opts = checkOptions(options);
  const arrayDType = dtypeOfArray(data);
  const dtype = opts.dtype ?? arrayDType ?? 'float32';
  let flat: ArrayLike<unknown>;
  let inferred: number[];
  if (arrayDType) {
    flat = data as TypedArray;
    inferred = [flat.length];
  } else if (Array.isArray(data)) {
    inferred = nestedShape(data);
    flat = inferred.length > 1 ? (data as unknown[]).flat(inferred.length - 1) : (data as unknown[]);
  } else if (typeof data === 'number' || typeof data === 'bigint') {
    flat = [data];
    inferred = [];
  } else {
    throw typeError('data', 'a number, nested arrays of numbers or a typed array', data);
  }
  const finalShape = shape === undefined ? inferred : checkShape(shape);
  if (elementCount(finalShape) !== flat.length) {
    throw rangeError('shape', `a shape with ${flat.length} elements (the data's length)`, received(shapeString(finalShape)));
  }
  const out = allocate(dtype, flat.length);
  if (arrayDType === dtype) out.set(flat as never);
  else for (let i = 0; i < flat.length; i++) writeValue(out, i, flat[i], dtype);
  return finish(out, finalShape, dtype, opts);
}

export function full(shape: readonly number[], value: number, options?: TensorOptions): Tensor {
  const opts = checkOptions(options);
  const dims = checkShape(shape);
  const dtype = opts.dtype ?? 'float32';
  const one = allocate(dtype, 1);
  writeValue(one, 0, value, dtype, 'value');
  const data = allocate(dtype, elementCount(dims));
  if (data instanceof BigInt64Array) data.fill(one[0] as bigint);
  else data.fill(one[0] as number);
  return finish(data, dims, dtype, opts);
}

export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

function randomTensor(shape: readonly number[], options: TensorOptions | undefined, fill: (a: FloatArray) => void, what: string): Tensor {
  const opts = checkOptions(options);
  const dims = checkShape(shape);
  const dtype = opts.dtype ?? 'float32';
  if (!isFloatDType(dtype)) throw typeError('options.dtype', `'float32' or 'float64' for ${what}`, dtype);
  const data = allocate(dtype, elementCount(dims)) as FloatArray;
  fill(data);
  return finish(data, dims, dtype, opts);
}

/** Uniform random numbers in [0, 1). */
export function rand(shape: readonly number[], options?: TensorOptions): Tensor {
  return randomTensor(shape, options, (a) => fillUniform(a, 0, 1), 'rand');
}

/** Uniform random numbers in [low, high). */
export function uniform(shape: readonly number[], low: number, high: number, options?: TensorOptions): Tensor {
  if (typeof low !== 'number') throw typeError('low', 'a finite number', low);
  if (!Number.isFinite(low)) throw rangeError('low', 'a finite number', low);
  if (typeof high !== 'number') throw typeError('high', `a finite number >= low (${low})`, high);
  if (!Number.isFinite(high) || high < low) throw rangeError('high', `a finite number >= low (${low})`, high);
  return randomTensor(shape, options, (a) => fillUniform(a, low, high), 'uniform');
}

/** Standard normal random numbers. */
export function randn(shape: readonly number[], options?: TensorOptions): Tensor {
  return randomTensor(shape, options, (a) => fillNormal(a, 0, 1), 'randn');
}
