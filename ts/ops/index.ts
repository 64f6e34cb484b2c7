// Every tensor op, as functions (g.add(a, b)); methods.ts adds them to Tensor (a.add(b)).
export { add, sub, mul, div, neg, exp, log, sigmoid, tanh, relu, abs, sqrt, rsqrt, square, eq, ne, gt, ge, lt, le, maskedFill } from './elementwise';
export { sum, mean, max, argmax, softmax, logSoftmax, norm } from './reductions';
export { cat, stack } from './shape';
export { matmul, linear } from './linalg';
export { embedding, dropout, toDType } from './nnops';
export { select, narrow, transpose, reshape, unsqueeze, squeeze, permute, flatten } from '../views';
export type { TensorLike } from './operands';
