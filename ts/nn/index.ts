export { Module, Parameter, isParameter } from './module';
export { LSTM, GRU, RNN, RecurrentBase, checkLengths } from './rnn';
export type { RecurrentOptions, GRUOptions, RNNOptions, RecurrentState, RecurrentOutput, LSTMOutput } from './rnn';
