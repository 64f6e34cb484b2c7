export { Module, Parameter, isParameter } from './module';
export { Buffer, isBuffer } from './module';
export type { LoadStateDictResult } from './module';
export { LSTM, GRU, RNN, RecurrentBase, checkLengths } from './rnn';
export type { RecurrentOptions, GRUOptions, RNNOptions, RecurrentState, RecurrentOutput, LSTMOutput } from './rnn';
export * as utils from './utils';
