// g.data: text and batching utilities for training on real data sets.
export { tokenize } from './tokenize';
export type { TokenizeOptions } from './tokenize';
export { Vocabulary, PAD_TOKEN, UNK_TOKEN } from './vocabulary';
export type { VocabularyBuildOptions, VocabularyJSON } from './vocabulary';
export { padSequences } from './pad';
export type { PadOptions, PaddedBatch } from './pad';
export { seededRandom, permutation, shuffle, trainTestSplit } from './random';
export type { ShuffleOptions, SplitOptions, Split } from './random';
export { batches, DataLoader } from './batches';
export type { BatchOptions, DataLoaderOptions } from './batches';
export { loadImdb } from './imdb';
export type { ImdbData, ImdbOptions, ImdbSplit, ImdbSplitName } from './imdb';
