// Moving tensors between the CPU and CUDA, and the default device of new tensors.
import { GradArray, GradNode, attach, needsGrad } from './autograd';
import { CudaArray } from './cuda_array';
import { native } from './native';
import { Device, Storage } from './storage';
import { Tensor } from './tensor';
import { typeError } from './validate';

let defaultDevice: Device = 'cpu';

export function isDevice(value: unknown): value is Device {
  return value === 'cpu' || value === 'cuda';
}

export function checkDevice(value: unknown, name = 'device'): Device {
  if (!isDevice(value)) throw typeError(name, "'cpu' or 'cuda'", value);
  return value;
}

/** Throws an Error with the reason when CUDA cannot be used here. */
export function requireCuda(): void {
  const { reason } = native.cudaReadiness();
  if (reason !== '') throw new Error(`gated: CUDA is not usable: ${reason}`);
}

/** Makes new tensors (g.tensor, g.zeros, g.randn, ...) on `device` from now on. */
export function setDevice(device: Device): void {
  checkDevice(device);
  if (device === 'cuda') requireCuda();
  defaultDevice = device;
}

/** The device new tensors are made on: the CPU unless setDevice said otherwise. */
export function getDevice(): Device {
  return defaultDevice;
}

/** A contiguous copy of `t`'s elements as storage on `device`. */
export function copyToDevice(t: Tensor, device: Device): Storage {
  if (device === 'cuda') {
    requireCuda();
    return new Storage(CudaArray.fromHost(t.dataSync(), t.dtype), t.dtype);
  }
  return new Storage(t.dataSync(), t.dtype);
}

/** A gradient moved to `device` (host arrays upload, device arrays download). */
function gradOn(grad: GradArray, device: Device): GradArray {
  if (device === 'cuda') return grad instanceof CudaArray ? grad : CudaArray.fromHost(grad, grad instanceof Float64Array ? 'float64' : 'float32');
  return grad instanceof CudaArray ? (grad.toHost() as Float32Array | Float64Array) : grad;
}

class ToDeviceNode implements GradNode {
  released = false;
  readonly name = 'to';
  readonly inputs: readonly (Tensor | null)[];
  readonly outputShapes: readonly (readonly number[])[];

  constructor(
    source: Tensor,
    private readonly sourceDevice: Device,
  ) {
    this.inputs = [source];
    this.outputShapes = [source.shape];
  }

  backward([grad]: (GradArray | null)[]): (GradArray | null)[] {
    return [grad ? gradOn(grad, this.sourceDevice) : null];
  }

  release(): void {
    this.released = true;
  }
}

/** `t` on `device`: itself when already there, else a copy recorded on the tape. */
export function toDevice(t: Tensor, device: Device): Tensor {
  checkDevice(device);
  if (t.device === device) return t;
  const out = new Tensor(copyToDevice(t, device), t.shape);
  if (needsGrad([t])) attach(new ToDeviceNode(t, t.device), [out]);
  return out;
}
