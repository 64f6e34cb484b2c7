// g.nn.functional: the stateless forms of layers, activations and losses.
export { crossEntropy, nllLoss, mseLoss, binaryCrossEntropy, bceWithLogits } from './losses';
export type { Reduction, NllOptions, BceOptions, BceWithLogitsOptions } from './losses';
export { relu, sigmoid, tanh, softmax, logSoftmax, dropout, embedding, linear } from '../ops';
