// Strided layouts: a view is (shape, strides, offset) on a storage, all in elements.

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== step) return false;
    step *= shape[d];
  }
  return true;
}

/** Calls visit(storagePosition, rowMajorIndex) for every element of the view, in row-major order. */
export function forEachPosition(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  visit: (position: number, index: number) => void,
): void {
  const count = elementCount(shape);
  if (count === 0) return;
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let position = offset;
  for (let index = 0; index < count; index++) {
    visit(position, index);
    for (let d = rank - 1; d >= 0; d--) {
      counter[d] += 1;
      position += strides[d];
      if (counter[d] < shape[d]) break;
      position -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
}
