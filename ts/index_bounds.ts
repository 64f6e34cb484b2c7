// What the host knows of the integer values in CUDA memory. Index checks on CUDA (embedding rows,
// scatter positions) would otherwise wait for the GPU on every call, which in a training step
// stalls the host each time. Integer data is nearly always made on the host and uploaded (its
// bounds are measured on the way) or made by an op whose results lie in a known range (argmax);
// such data skips the device check while its storage sees no in-place update.
import type { TypedArray } from './dtype';

export interface IndexBounds {
  /** The least and greatest element (an empty array has low Infinity and high -Infinity). */
  low: number;
  high: number;
}

/** The bounds of integer host data, or null for floats and bools. */
export function integerBounds(data: TypedArray): IndexBounds | null {
  if (data.length === 0) return data instanceof Int32Array || data instanceof BigInt64Array ? { low: Infinity, high: -Infinity } : null;
  if (data instanceof Int32Array) return boundsOf(data);
  if (data instanceof BigInt64Array) {
    const { low, high } = boundsOf(data); // compared as bigints; only the ends become numbers
    return { low: Number(low), high: Number(high) };
  }
  return null;
}

function boundsOf<V extends number | bigint>(data: ArrayLike<V>): { low: V; high: V } {
  let low = data[0];
  let high = data[0];
  for (let i = 1; i < data.length; i++) {
    const v = data[i];
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return { low, high };
}

/** Whether every element within `bounds` lies in [low, high] (false when nothing is known). */
export function boundsWithin(bounds: IndexBounds | null, low: number, high: number): boolean {
  return bounds !== null && bounds.low >= low && bounds.high <= high;
}
