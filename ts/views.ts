// Views that share storage (select, narrow, transpose, reshape) and the copy that makes a tensor
// contiguous. Each records one node, so gradients flow through views like through any op.
import { FloatArray, GradNode, attach, needsGrad } from './autograd';
import { TypedArray } from './dtype';
import { contiguousStrides, elementCount, forEachPosition, isContiguous } from './layout';
import { Tensor } from './tensor';
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

  backward([grad]: (FloatArray | null)[]): (FloatArray | null)[] {
    if (!grad) return [null];
    const parentIndexAt = new Map<number, number>();
    const p = this.parentLayout;
    forEachPosition(p.shape, p.strides, p.offset, (position, index) => parentIndexAt.set(position, index));
    const out = new (grad.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(elementCount(p.shape));
    const v = this.viewLayout;
    forEachPosition(v.shape, v.strides, v.offset, (position, index) => {
      out[parentIndexAt.get(position) as number] += grad[index];
    });
    return [out];
  }

  release(): void {
    this.released = true;
  }
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
  const data: TypedArray = t.contiguousData();
  const copy = t.isContiguous ? data.slice() : data;
  const out = Tensor.fromData(copy, t.shape, t.dtype);
  if (needsGrad([t])) {
    const layout = { shape: t.shape, strides: contiguousStrides(t.shape), offset: 0 };
    attach(new ViewNode('copy', t, layout, layout), [out]);
  }
  return out;
}
