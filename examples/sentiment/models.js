// The chapter's sentiment classifiers in gated: the LSTM of section 2.5, the "best practice"
// variant of section 2.6, and attention pooling (exercise 5). Each maps token indices x [B, T]
// (int64, <pad> = 0) and their lengths [B] to one logit per sequence [B, 1].
'use strict';
const g = require('../..');

/**
 * Section 2.5's LSTMSentimentClassifier: Embedding (paddingIdx 0) → Dropout → a bidirectional
 * LSTM (numLayers, dropout between layers, batchFirst) run with the real lengths → the last layer's
 * final forward and backward hidden states side by side (h[-2], h[-1]) → Dropout → Linear(2H, 1).
 * With lengths, h holds each sequence's state at its own last token, as PyTorch's packed sequences give.
 */
class LSTMSentimentClassifier extends g.nn.Module {
  constructor({ vocabSize, embeddingDim = 100, hiddenSize = 256, numLayers = 2, dropout = 0.5, lstmDropout = dropout }) {
    super();
    this.embedding = new g.nn.Embedding(vocabSize, embeddingDim, { paddingIdx: 0 });
    this.lstm = new g.nn.LSTM({
      inputSize: embeddingDim,
      hiddenSize,
      numLayers,
      batchFirst: true,
      dropout: numLayers > 1 ? lstmDropout : 0, // between the LSTM layers
      bidirectional: true,
    });
    this.dropout = new g.nn.Dropout(dropout);
    this.fc = new g.nn.Linear(2 * hiddenSize, 1);
  }

  /** The final hidden states [B, 2H] (and the outputs [B, T, 2H], for subclasses). */
  encode(x, lengths) {
    const embedded = this.dropout.forward(this.embedding.forward(x));
    const { output, h } = this.lstm.forward(embedded, { lengths });
    const hidden = g.cat([h.select(0, -2), h.select(0, -1)], 1); // torch.cat([hidden[-2], hidden[-1]], dim=1)
    return { output, hidden };
  }

  forward(x, lengths) {
    const { hidden } = this.encode(x, lengths);
    return this.fc.forward(this.dropout.forward(hidden));
  }
}

/**
 * Section 2.6's BestPracticeLSTM: the same encoder with dropout 0.3 between the LSTM layers, then
 * BatchNorm1d on the pooled features [B, 2H], Dropout(0.5) and the linear head. Train it with
 * gradient clipping and ReduceLROnPlateau on the validation loss (best-practice.js).
 */
class BestPracticeLSTM extends LSTMSentimentClassifier {
  constructor({ vocabSize, embeddingDim = 100, hiddenSize = 256, numLayers = 2, lstmDropout = 0.3, dropout = 0.5 }) {
    super({ vocabSize, embeddingDim, hiddenSize, numLayers, dropout, lstmDropout });
    this.batchNorm = new g.nn.BatchNorm1d(2 * hiddenSize);
  }

  forward(x, lengths) {
    const { hidden } = this.encode(x, lengths);
    return this.fc.forward(this.dropout.forward(this.batchNorm.forward(hidden)));
  }
}

/**
 * [B, T] bool on `device`: true at the padding steps (t >= lengths[b]), the positions attention
 * must not see.
 */
function paddingMask(lengths, T, device) {
  const values = lengths.dataSync();
  const B = values.length;
  const mask = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) mask.fill(1, b * T + Number(values[b]), (b + 1) * T);
  return g.tensor(mask, [B, T], { dtype: 'bool', device });
}

/**
 * Exercise 5: attention pooling. A score per step, s_t = v · tanh(W o_t), over the LSTM outputs
 * o_t [B, T, 2H]; padding steps are masked to -1e9 before the softmax, so the weights α [B, T] sum to
 * 1 over each sequence's real tokens. The pooled vector Σ α_t o_t [B, 2H] is concatenated with the
 * final hidden states (the baseline's features), then Dropout → Linear(4H, 1). The model can thus
 * look at any token of the message, not only at what survived to the two ends.
 */
class AttentionLSTM extends LSTMSentimentClassifier {
  constructor({ vocabSize, embeddingDim = 100, hiddenSize = 256, numLayers = 2, dropout = 0.5, attentionSize = 64 }) {
    super({ vocabSize, embeddingDim, hiddenSize, numLayers, dropout });
    this.attention = new g.nn.Linear(2 * hiddenSize, attentionSize);
    this.score = new g.nn.Linear(attentionSize, 1, { bias: false });
    this.fc = new g.nn.Linear(4 * hiddenSize, 1);
  }

  /** The attention weights α [B, T] (rows sum to 1 over the real steps) and the pooled vector [B, 2H]. */
  attend(output, lengths) {
    const [B, T] = output.shape;
    const scores = this.score.forward(this.attention.forward(output).tanh()).reshape([B, T]);
    const weights = scores.maskedFill(paddingMask(lengths, T, scores.device), -1e9).softmax(-1);
    const pooled = g.matmul(weights.unsqueeze(1), output).reshape([B, -1]); // [B, 1, T] @ [B, T, 2H]
    return { weights, pooled };
  }

  forward(x, lengths) {
    const { output, hidden } = this.encode(x, lengths);
    const { pooled } = this.attend(output, lengths);
    return this.fc.forward(this.dropout.forward(g.cat([hidden, pooled], 1)));
  }
}

const MODELS = { lstm: LSTMSentimentClassifier, 'best-practice': BestPracticeLSTM, attention: AttentionLSTM };

/** The number of scalar parameters of a module. */
function countParameters(model) {
  return model.parameters().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

module.exports = { LSTMSentimentClassifier, BestPracticeLSTM, AttentionLSTM, MODELS, paddingMask, countParameters };
