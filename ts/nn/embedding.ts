// Embedding: a table of vectors looked up by integer index.
import { randn } from '../creation';
import { FloatDType } from '../dtype';
import { embedding } from '../ops';
import { Tensor } from '../tensor';
import { checkInteger, checkKnownKeys, checkOneOf } from '../validate';
import { Module, Parameter } from './module';

export interface EmbeddingOptions {
  /** This index maps to a zero vector that receives no gradient (e.g. the <pad> token). */
  paddingIdx?: number;
  dtype?: FloatDType;
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  /** [numEmbeddings, embeddingDim], initialised from N(0, 1) */
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkKnownKeys(options, 'Embedding options', ['paddingIdx', 'dtype']);
    this.numEmbeddings = checkInteger(numEmbeddings, 'numEmbeddings', 1);
    this.embeddingDim = checkInteger(embeddingDim, 'embeddingDim', 1);
    const padding = options.paddingIdx === undefined ? null : checkInteger(options.paddingIdx, 'paddingIdx', -numEmbeddings, numEmbeddings - 1);
    this.paddingIdx = padding === null ? null : padding < 0 ? padding + numEmbeddings : padding;
    const dtype = checkOneOf(options.dtype ?? 'float32', 'dtype', ['float32', 'float64'] as const);
    const table = randn([numEmbeddings, embeddingDim], { dtype, device: 'cpu' });
    if (this.paddingIdx !== null) table.contiguousData().fill(0 as never, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = Parameter(table);
  }

  /** indices [...] (int32 / int64) -> [..., embeddingDim] */
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, this.paddingIdx);
  }
}
