// Element types: float32 and float64 for values, int32 and int64 for indices, labels and lengths.

export type FloatDType = 'float32' | 'float64';
export type IntDType = 'int32' | 'int64';
export type DType = FloatDType | IntDType;
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64'];

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
  }
}

/** The dtype whose storage is this typed array, or undefined for other array types. */
export function dtypeOfArray(array: unknown): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  return undefined;
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : 8;
}
