// Linear: y = x W^T + b, PyTorch's names, shapes and initialisation.
import { uniform } from '../creation';
import { FloatDType } from '../dtype';
import { linear } from '../ops';
import { Tensor } from '../tensor';
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf } from '../validate';
import { Module, Parameter } from './module';

export interface LinearOptions {
  bias?: boolean;
  dtype?: FloatDType;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [outFeatures, inFeatures] */
  readonly weight: Tensor;
  /** [outFeatures] or null */
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkKnownKeys(options, 'Linear options', ['bias', 'dtype']);
    this.inFeatures = checkInteger(inFeatures, 'inFeatures', 1);
    this.outFeatures = checkInteger(outFeatures, 'outFeatures', 1);
    const dtype = checkOneOf(options.dtype ?? 'float32', 'dtype', ['float32', 'float64'] as const);
    const bound = 1 / Math.sqrt(inFeatures); // kaiming_uniform(a = sqrt(5)) and PyTorch's bias init
    this.weight = Parameter(uniform([outFeatures, inFeatures], -bound, bound, { dtype, device: 'cpu' }));
    this.bias = checkBoolean(options.bias ?? true, 'bias') ? Parameter(uniform([outFeatures], -bound, bound, { dtype, device: 'cpu' })) : null;
  }

  /** x [..., inFeatures] -> [..., outFeatures] */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
