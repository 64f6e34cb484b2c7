// Sequential: modules applied one after the other, named '0', '1', ... like PyTorch.
import { Tensor } from '../tensor';
import { typeError } from '../validate';
import { Module } from './module';

/** A module with a one-tensor forward. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

export class Sequential extends Module {
  readonly length: number;

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module) || typeof (layer as Layer).forward !== 'function') {
        throw typeError(`layers[${i}]`, 'a Module with forward(x)', layer);
      }
      (this as unknown as Record<string, Layer>)[String(i)] = layer;
    });
    this.length = layers.length;
  }

  at(index: number): Layer {
    return (this as unknown as Record<string, Layer>)[String(index)];
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (let i = 0; i < this.length; i++) out = this.at(i).forward(out);
    return out;
  }
}
