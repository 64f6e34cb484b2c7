// What the host knows of integer data it uploads (ts/index_bounds.ts): the bounds that let CUDA
// index checks skip their wait for the GPU. The CUDA side (uploads measure, in-place updates void
// the bounds, ops skip the check) runs in the GPU check's 'host waits' group.
import { describe, expect, it } from 'vitest';
import { boundsWithin, integerBounds } from '../ts/index_bounds';

describe('integer bounds', () => {
  it('are the least and greatest element of int32 and int64 data', () => {
    expect(integerBounds(new Int32Array([3, -2, 7, 0]))).toEqual({ low: -2, high: 7 });
    expect(integerBounds(new BigInt64Array([5n, 9n, 5n]))).toEqual({ low: 5, high: 9 });
  });

  it('of no elements lie within any range; floats and bools have none', () => {
    const empty = integerBounds(new Int32Array(0));
    expect(boundsWithin(empty, 0, 0)).toBe(true);
    expect(integerBounds(new Float32Array([1, 2]))).toBeNull();
    expect(integerBounds(new Uint8Array([1]))).toBeNull();
  });

  it('lie within a range only when both ends do; unknown bounds never do', () => {
    const bounds = { low: 0, high: 9 };
    expect(boundsWithin(bounds, 0, 9)).toBe(true);
    expect(boundsWithin(bounds, 0, 8)).toBe(false);
    expect(boundsWithin(bounds, 1, 9)).toBe(false);
    expect(boundsWithin(null, -Infinity, Infinity)).toBe(false);
  });
});
