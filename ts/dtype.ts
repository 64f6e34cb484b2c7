// Element types: float32 and float64 for values, int32 and int64 for indices, labels and lengths,
// bool (one byte, 0 or 1) for comparisons and masks.

export type FloatDType = 'float32' | 'float64';
/**
 * The 16-bit formats a recurrent module can compute in (inference): both operands of every matrix
 * product are rounded to it, and the products are summed in float32. bfloat16 keeps float32's range
 * with 8 significant bits; float16 has 11 significant bits but overflows above 65504.
 */
export type ReducedFloatDType = 'bfloat16' | 'float16';
export type IntDType = 'int32' | 'int64';
export type DType = FloatDType | IntDType | 'bool';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocate(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int32': return new Int32Array(length);
    case 'int64': return new BigInt64Array(length);
    case 'bool': return new Uint8Array(length);
  }
}

/** The dtype whose storage is this typed array, or undefined for other array types. */
export function dtypeOfArray(array: unknown): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Uint8Array) return 'bool';
  return undefined;
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : dtype === 'float32' || dtype === 'int32' ? 4 : 8;
}
