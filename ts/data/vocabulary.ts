// A token <-> index table with <pad> = 0 and <unk> = 1, built from token counts.
import { checkInteger, checkKnownKeys, rangeError, typeError } from '../validate';

export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';

export interface VocabularyBuildOptions {
  /** Keep at most this many tokens besides <pad> and <unk>: the most frequent (default: all). */
  maxSize?: number;
  /** Keep only tokens seen at least this often (default 1). */
  minFreq?: number;
}

/** What toJSON gives and fromJSON takes: the tokens in index order, <pad> and <unk> first. */
export interface VocabularyJSON {
  type: 'gated.Vocabulary';
  tokens: string[];
  /** How often each token was seen when the vocabulary was built (absent for a hand-made one). */
  counts?: number[];
}

/**
 * Maps tokens to indices and back. Index 0 is `<pad>` (use it as Embedding's paddingIdx and as
 * padSequences' padValue) and index 1 is `<unk>`, which every unknown token encodes to.
 *
 *     const vocab = Vocabulary.build(texts.map(tokenize), { maxSize: 10_000 });
 *     vocab.encode(['a', 'great', 'film']); // [4, 87, 19]
 */
export class Vocabulary {
  readonly padIndex = 0;
  readonly unkIndex = 1;
  private readonly tokens: string[];
  private readonly index = new Map<string, number>();
  private readonly counts: number[] | undefined;

  /**
   * A vocabulary of these tokens in this order, after <pad> and <unk>. To build one from data, use
   * Vocabulary.build.
   */
  constructor(tokens: readonly string[] = [], counts?: readonly number[]) {
    if (!Array.isArray(tokens)) throw typeError('tokens', 'an array of strings', tokens);
    if (counts !== undefined && (!Array.isArray(counts) || counts.length !== tokens.length)) {
      throw rangeError('counts', `an array of ${tokens.length} numbers (one per token)`, counts);
    }
    this.tokens = [PAD_TOKEN, UNK_TOKEN];
    this.index.set(PAD_TOKEN, 0).set(UNK_TOKEN, 1);
    tokens.forEach((token, i) => {
      if (typeof token !== 'string') throw typeError(`tokens[${i}]`, 'a string', token);
      if (this.index.has(token)) throw rangeError(`tokens[${i}]`, 'a token not already in the vocabulary (<pad> and <unk> are added by it)', token);
      this.index.set(token, this.tokens.length);
      this.tokens.push(token);
    });
    this.counts = counts ? [0, 0, ...counts] : undefined;
  }

  /**
   * Counts the tokens of every list and keeps the maxSize most frequent (those seen at least minFreq
   * times). Ties are broken by the tokens' code-unit order, so the result does not depend on the
   * order of the data.
   */
  static build(tokenLists: Iterable<readonly string[]>, options: VocabularyBuildOptions = {}): Vocabulary {
    checkKnownKeys(options, 'Vocabulary.build options', ['maxSize', 'minFreq']);
    const maxSize = options.maxSize === undefined ? Infinity : checkInteger(options.maxSize, 'options.maxSize', 0);
    const minFreq = checkInteger(options.minFreq ?? 1, 'options.minFreq', 1);
    if (tokenLists === null || typeof (tokenLists as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw typeError('tokenLists', 'an iterable of token arrays', tokenLists);
    }
    const counts = new Map<string, number>();
    let listIndex = 0;
    for (const list of tokenLists) {
      if (!Array.isArray(list)) throw typeError(`tokenLists[${listIndex}]`, 'an array of strings', list);
      for (const token of list) {
        if (typeof token !== 'string') throw typeError(`a token of tokenLists[${listIndex}]`, 'a string', token);
        counts.set(token, (counts.get(token) ?? 0) + 1);
      }
      listIndex += 1;
    }
    counts.delete(PAD_TOKEN);
    counts.delete(UNK_TOKEN);
    const ranked = [...counts.entries()]
      .filter(([, n]) => n >= minFreq)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = ranked.slice(0, Math.min(ranked.length, maxSize));
    return new Vocabulary(
      kept.map(([token]) => token),
      kept.map(([, n]) => n),
    );
  }

  /** The number of entries, <pad> and <unk> included. */
  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.index.has(token);
  }

  /** The index of a token, or unkIndex (1) for one not in the vocabulary. */
  indexOf(token: string): number {
    return this.index.get(token) ?? this.unkIndex;
  }

  /** The token at an index. */
  tokenAt(index: number): string {
    checkInteger(index, 'index', 0, this.tokens.length - 1);
    return this.tokens[index];
  }

  /** How often the token at this index was seen when the vocabulary was built (0 for <pad>, <unk> or without counts). */
  countAt(index: number): number {
    checkInteger(index, 'index', 0, this.tokens.length - 1);
    return this.counts?.[index] ?? 0;
  }

  /** Tokens to indices; unknown tokens become 1 (<unk>). */
  encode(tokens: readonly string[]): number[] {
    if (!Array.isArray(tokens)) throw typeError('tokens', 'an array of strings', tokens);
    return tokens.map((t) => this.index.get(t) ?? this.unkIndex);
  }

  /** Indices to tokens. With skipPad, <pad> (0) entries are left out. */
  decode(indices: ArrayLike<number | bigint>, options: { skipPad?: boolean } = {}): string[] {
    const out: string[] = [];
    for (let i = 0; i < indices.length; i++) {
      const index = Number(indices[i]);
      if (!Number.isInteger(index) || index < 0 || index >= this.tokens.length) {
        throw rangeError(`indices[${i}]`, `an integer in [0, ${this.tokens.length - 1}]`, indices[i]);
      }
      if (options.skipPad && index === this.padIndex) continue;
      out.push(this.tokens[index]);
    }
    return out;
  }

  /** Every token in index order, <pad> and <unk> first. */
  toArray(): string[] {
    return this.tokens.slice();
  }

  toJSON(): VocabularyJSON {
    const json: VocabularyJSON = { type: 'gated.Vocabulary', tokens: this.tokens.slice() };
    if (this.counts) json.counts = this.counts.slice();
    return json;
  }

  /** A vocabulary from toJSON's object, or from its JSON text. */
  static fromJSON(json: VocabularyJSON | string): Vocabulary {
    const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
    const v = value as Partial<VocabularyJSON> | null;
    if (typeof v !== 'object' || v === null || v.type !== 'gated.Vocabulary' || !Array.isArray(v.tokens)) {
      throw typeError('json', "a Vocabulary's JSON ({ type: 'gated.Vocabulary', tokens: [...] })", value);
    }
    if (v.tokens[0] !== PAD_TOKEN || v.tokens[1] !== UNK_TOKEN) {
      throw rangeError('json.tokens', `a list that starts with '${PAD_TOKEN}', '${UNK_TOKEN}'`, v.tokens);
    }
    if (v.counts !== undefined && (!Array.isArray(v.counts) || v.counts.length !== v.tokens.length)) {
      throw rangeError('json.counts', `an array of ${v.tokens.length} numbers`, v.counts);
    }
    return new Vocabulary(v.tokens.slice(2), v.counts?.slice(2));
  }
}
