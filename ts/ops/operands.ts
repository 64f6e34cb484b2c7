// Checking op arguments: tensors alive, dtypes matching, numbers promoted to tensors.
import { DType, allocate, isFloatDType } from '../dtype';
import { CudaArray } from '../cuda_array';
import type { Device } from '../storage';
import { Tensor } from '../tensor';
import { typeError } from '../validate';

export type TensorLike = Tensor | number;

/** A live tensor argument, or a TypeError naming it. */
export function tensorArg(value: unknown, name: string): Tensor {
  if (!(value instanceof Tensor)) throw typeError(name, 'a Tensor', value);
  value.liveStorage(name);
  return value;
}

export function floatArg(value: unknown, name: string): Tensor {
  const t = tensorArg(value, name);
  if (!isFloatDType(t.dtype)) throw new TypeError(`gated: expected ${name} of dtype float32 or float64 but received ${t.dtype}`);
  return t;
}

/** A rank-0 tensor holding `value`, on `device` (where the other operand is). */
function scalar(value: number, dtype: DType, device: Device): Tensor {
  const data = allocate(dtype, 1);
  if (data instanceof BigInt64Array) data[0] = BigInt(Math.trunc(value));
  else data[0] = value;
  return Tensor.fromData(device === 'cuda' ? CudaArray.fromHost(data, dtype) : data, [], dtype);
}

/** Both operands as tensors of one dtype; a number takes the tensor's dtype. */
export function operandPair(op: string, a: unknown, b: unknown): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw typeError(`${op}: a`, 'a Tensor (one operand must be)', a);
  const other = typeof a === 'number' ? tensorArg(b, `${op}: b`) : tensorArg(a, `${op}: a`);
  const x = typeof a === 'number' ? scalar(a, other.dtype, other.device) : other;
  const y = typeof b === 'number' ? scalar(b, x.dtype, x.device) : tensorArg(b, `${op}: b`);
  if (x.dtype !== y.dtype) {
    throw new TypeError(`gated: ${op}: expected operands of one dtype but received ${x.dtype} and ${y.dtype}`);
  }
  return [x, y];
}
