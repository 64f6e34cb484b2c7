// Views that share storage (select, narrow, transpose, reshape) and the copy that makes a tensor
// contiguous. Each records one node, so gradients flow through views like through any op.
import { GradArray, GradNode, attach, needsGrad } from './autograd';
import { CudaArray } from './cuda_array';
import { contiguousStrides, elementCount, isContiguous } from './layout';
import { Tensor } from './tensor';
import { native } from './native';
import { deviceOf, dtypeOf, filledOn, nativeArg } from './ops/data';
import { gatherContiguous, unaryOperand } from './ops/raw';
import { checkInteger, rangeError, received, shapeString, typeError } from './validate';

/**
 * Gradient of any view (or copy) of a tensor: each element of the output gradient goes back to the
 * parent element at the same storage position.
 */
class ViewNode implements GradNode {
  released = false;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputShapes: readonly (readonly number[])[];

  constructor(
    readonly name: string,
    parent: Tensor,
    private readonly parentLayout: { shape: readonly number[]; strides: readonly number[]; offset: number },
    private readonly viewLayout: { shape: readonly number[]; strides: readonly number[]; offset: number },
  ) {
    this.inputs = [parent];
    this.outputShapes = [viewLayout.shape];
  }

  backward([grad]: (GradArray | null)[]): (GradArray | null)[] {
    if (!grad) return [null];
    const p = this.parentLayout;
    const v = this.viewLayout;
    // A reshape of contiguous data (same positions, same order) passes the gradient on as it is.
    const samePositions = elementCount(p.shape) === elementCount(v.shape) && p.offset === v.offset;
    if (samePositions && isContiguous(p.shape, p.strides) && isContiguous(v.shape, v.strides)) return [grad];
    // Write the view's gradient at the storage positions it covers (a view's positions are distinct),
    // zeros elsewhere, then read the parent's positions back in its row-major order.
    const [low, high] = positionRange(p);
    const perPosition = filledOn(deviceOf(grad), dtypeOf(grad), high - low + 1, 0);
    native.copyInto([...v.shape], nativeArg(grad), contiguousStrides(v.shape), 0, nativeArg(perPosition), [...v.strides], v.offset - low);
    // A contiguous parent covers exactly those positions, in its own order: nothing to read back.
    if (isContiguous(p.shape, p.strides) && p.offset === low && elementCount(p.shape) === high - low + 1) return [perPosition as GradArray];
    const out = unaryOperand('copy', { data: perPosition, shape: p.shape, strides: p.strides, offset: p.offset - low });
    if (perPosition instanceof CudaArray) perPosition.free();
    return [out as GradArray];
  }

  release(): void {
    this.released = true;
  }
}

/** The lowest and highest storage positions a layout reaches. */
function positionRange(layout: { shape: readonly number[]; strides: readonly number[]; offset: number }): [number, number] {
  let low = layout.offset;
  let high = layout.offset;
  layout.shape.forEach((d, i) => {
    const reach = (d - 1) * layout.strides[i];
    if (reach < 0) low += reach;
    else high += reach;
  });
  return [low, high];
}

function layoutOf(t: Tensor) {
  return { shape: t.shape, strides: t.strides, offset: t.offset };
}

function makeView(name: string, t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const out = t.view(shape, strides, offset);
  if (needsGrad([t])) attach(new ViewNode(name, t, layoutOf(t), { shape, strides, offset }), [out]);
  return out;
}

export function select(t: Tensor, dim: number, index: number): Tensor {
  t.liveStorage();
  const d = t.dimension(dim);
  const i = checkInteger(index, 'index', -t.shape[d], t.shape[d] - 1);
  const at = i < 0 ? i + t.shape[d] : i;
  const shape = t.shape.filter((_, k) => k !== d);
  const strides = t.strides.filter((_, k) => k !== d);
  return makeView('select', t, shape, strides, t.offset + at * t.strides[d]);
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  t.liveStorage();
  const d = t.dimension(dim);
  const s = checkInteger(start, 'start', 0, t.shape[d]);
  checkInteger(length, 'length', 0, t.shape[d] - s);
  const shape = [...t.shape];
  shape[d] = length;
  return makeView('narrow', t, shape, [...t.strides], t.offset + s * t.strides[d]);
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  t.liveStorage();
  const a = t.dimension(dim0, 'dim0');
  const b = t.dimension(dim1, 'dim1');
  const shape = [...t.shape];
  const strides = [...t.strides];
  [shape[a], shape[b]] = [shape[b], shape[a]];
  [strides[a], strides[b]] = [strides[b], strides[a]];
  return makeView('transpose', t, shape, strides, t.offset);
}

/** Resolves one -1 entry and checks that the element count is kept. */
export function resolveShape(shape: readonly number[], count: number, name = 'shape'): number[] {
  if (!Array.isArray(shape)) throw typeError(name, 'an array of integers', shape);
  const out = shape.map((d, i) => (d === -1 ? -1 : checkInteger(d, `${name}[${i}]`, 0)));
  const free = out.filter((d) => d === -1).length;
  if (free > 1) throw rangeError(name, 'a shape with at most one -1', received(shapeString(shape)));
  const known = out.reduce((n, d) => (d === -1 ? n : n * d), 1);
  if (free === 1) {
    if (known === 0 || count % known !== 0) throw rangeError(name, `a shape compatible with ${count} elements`, received(shapeString(shape)));
    out[out.indexOf(-1)] = count / known;
  } else if (known !== count) {
    throw rangeError(name, `a shape with ${count} elements`, received(shapeString(shape)));
  }
  return out;
}

export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  t.liveStorage();
  const target = resolveShape(shape, t.size);
  const source = isContiguous(t.shape, t.strides) ? t : copyOf(t);
  return makeView('reshape', source, target, contiguousStrides(target), source.offset);
}

/** A row-major copy with its own storage. */
export function copyOf(t: Tensor): Tensor {
  const out = Tensor.fromData(gatherContiguous(t), t.shape, t.dtype);
  if (needsGrad([t])) {
    const layout = { shape: t.shape, strides: contiguousStrides(t.shape), offset: 0 };
    attach(new ViewNode('copy', t, layout, layout), [out]);
  }
  return out;
}

/** A new dimension of size 1 at `dim` (in [-rank-1, rank]). A view. */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  t.liveStorage();
  const d = checkInteger(dim, 'dim', -t.rank - 1, t.rank);
  const at = d < 0 ? d + t.rank + 1 : d;
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(at, 0, 1);
  strides.splice(at, 0, at < t.rank ? t.strides[at] * t.shape[at] : 1);
  return makeView('unsqueeze', t, shape, strides, t.offset);
}

/** Drops dimension `dim` if its size is 1, or every size-1 dimension when dim is undefined. A view. */
export function squeeze(t: Tensor, dim?: number): Tensor {
  t.liveStorage();
  const drop = dim === undefined ? t.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : [t.dimension(dim)];
  const keep = (_: number, i: number) => !(drop.includes(i) && t.shape[i] === 1);
  return makeView('squeeze', t, t.shape.filter(keep), t.strides.filter(keep), t.offset);
}

/** Reorders the dimensions: dims is a permutation of 0..rank-1. A view. */
export function permute(t: Tensor, dims: readonly number[]): Tensor {
  t.liveStorage();
  if (!Array.isArray(dims) || dims.length !== t.rank) throw rangeError('dims', `a permutation of ${t.rank} dimensions`, dims);
  const order = dims.map((d, i) => t.dimension(d, `dims[${i}]`));
  if (new Set(order).size !== order.length) throw rangeError('dims', 'a permutation (each dimension once)', received(shapeString(dims)));
  return makeView('permute', t, order.map((d) => t.shape[d]), order.map((d) => t.strides[d]), t.offset);
}

/** Merges dimensions startDim..endDim into one. A view when contiguous, else a copy. */
export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  t.liveStorage();
  if (t.rank === 0) return reshape(t, [1]);
  const start = t.dimension(startDim, 'startDim');
  const end = t.dimension(endDim, 'endDim');
  if (end < start) throw rangeError('endDim', `a dimension >= startDim (${start})`, endDim);
  const merged = t.shape.slice(start, end + 1).reduce((n, d) => n * d, 1);
  return reshape(t, [...t.shape.slice(0, start), merged, ...t.shape.slice(end + 1)]);
}
