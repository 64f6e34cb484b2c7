// Dropout: zeroes elements with probability p in training mode; the identity in eval mode.
import { dropout } from '../ops';
import { Tensor } from '../tensor';
import { checkNumberInRange } from '../validate';
import { Module } from './module';

export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = checkNumberInRange(p, 'p', 0, 1);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
