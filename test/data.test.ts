// g.data: the tokenizer, Vocabulary, padSequences, seeded shuffling and splitting, batching, and the
// IMDb loader on a tiny aclImdb folder written to a temporary directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';

const { tokenize, Vocabulary, padSequences, shuffle, trainTestSplit, permutation, batches, DataLoader, loadImdb } = g.data;

describe('tokenize', () => {
  it('lowercases and splits on anything but letters and digits', () => {
    expect(tokenize('This movie is GREAT!')).toEqual(['this', 'movie', 'is', 'great']);
    expect(tokenize('  a,b;c...d\te\nf  ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(tokenize('7/10, 2 thumbs-up (1999)')).toEqual(['7', '10', '2', 'thumbs', 'up', '1999']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('!!! ... ???')).toEqual([]);
  });

  it('strips HTML tags such as <br /> and decodes entities', () => {
    expect(tokenize('Loved it.<br /><br />Really<BR/>did')).toEqual(['loved', 'it', 'really', 'did']);
    expect(tokenize('<p class="x">Fine</p><!-- hidden words -->end')).toEqual(['fine', 'end']);
    expect(tokenize('Tom &amp; Jerry&nbsp;rock &#65;&#x42;')).toEqual(['tom', 'jerry', 'rock', 'ab']);
    expect(tokenize('a < b and c > d')).toEqual(['a', 'b', 'and', 'c', 'd']);
  });

  it('keeps apostrophes inside words only', () => {
    expect(tokenize("Don't you love it? It's the director's cut")).toEqual(["don't", 'you', 'love', 'it', "it's", 'the', "director's", 'cut']);
    expect(tokenize("'quoted' words' and the '90s")).toEqual(['quoted', 'words', 'and', 'the', '90s']);
    expect(tokenize('It\u2019s curly')).toEqual(["it's", 'curly']);
    expect(tokenize("rock 'n' roll")).toEqual(['rock', 'n', 'roll']);
  });

  it('handles letters of any script, and the options turn steps off', () => {
    expect(tokenize('Café Straße naïve 映画')).toEqual(['café', 'straße', 'naïve', '映画']);
    expect(tokenize('Big <b>Bold</b>', { lowercase: false })).toEqual(['Big', 'Bold']);
    expect(tokenize('x<br />y', { stripHtml: false })).toEqual(['x', 'br', 'y']);
    expect(() => tokenize(3 as unknown as string)).toThrow(TypeError);
  });
});

describe('Vocabulary', () => {
  const docs = [
    ['the', 'cat', 'sat', 'on', 'the', 'mat'],
    ['the', 'dog', 'sat'],
    ['a', 'cat', 'and', 'a', 'dog'],
  ];

  it('puts <pad> at 0, <unk> at 1, then tokens by frequency, ties in code-unit order', () => {
    const vocab = Vocabulary.build(docs);
    expect(vocab.toArray()).toEqual(['<pad>', '<unk>', 'the', 'a', 'cat', 'dog', 'sat', 'and', 'mat', 'on']);
    expect(vocab.size).toBe(10);
    expect(vocab.padIndex).toBe(0);
    expect(vocab.unkIndex).toBe(1);
    expect(vocab.countAt(2)).toBe(3);
    expect(vocab.countAt(0)).toBe(0);
  });

  it('does not depend on the order of the data', () => {
    const reversed = docs.map((d) => d.slice().reverse()).reverse();
    expect(Vocabulary.build(reversed).toArray()).toEqual(Vocabulary.build(docs).toArray());
  });

  it('keeps the maxSize most frequent tokens and those seen minFreq times', () => {
    expect(Vocabulary.build(docs, { maxSize: 3 }).toArray()).toEqual(['<pad>', '<unk>', 'the', 'a', 'cat']);
    expect(Vocabulary.build(docs, { minFreq: 2 }).toArray()).toEqual(['<pad>', '<unk>', 'the', 'a', 'cat', 'dog', 'sat']);
    expect(Vocabulary.build(docs, { maxSize: 0 }).size).toBe(2);
  });

  it('encodes unknown tokens as <unk> and decodes back', () => {
    const vocab = Vocabulary.build(docs, { maxSize: 3 });
    const ids = vocab.encode(['the', 'cat', 'ate', 'a', 'fish']);
    expect(ids).toEqual([2, 4, 1, 3, 1]);
    expect(vocab.decode(ids)).toEqual(['the', 'cat', '<unk>', 'a', '<unk>']);
    expect(vocab.decode([2, 0, 0], { skipPad: true })).toEqual(['the']);
    expect(vocab.decode(new BigInt64Array([4n]))).toEqual(['cat']);
    expect(vocab.indexOf('zebra')).toBe(1);
    expect(vocab.has('zebra')).toBe(false);
    expect(vocab.tokenAt(3)).toBe('a');
    expect(() => vocab.decode([5])).toThrow(RangeError);
    expect(() => vocab.tokenAt(-1)).toThrow(RangeError);
  });

  it('round-trips through JSON', () => {
    const vocab = Vocabulary.build(docs, { maxSize: 5 });
    const again = Vocabulary.fromJSON(JSON.stringify(vocab));
    expect(again.toArray()).toEqual(vocab.toArray());
    expect(again.countAt(2)).toBe(3);
    expect(again.encode(['dog', 'zzz'])).toEqual(vocab.encode(['dog', 'zzz']));
    expect(Vocabulary.fromJSON(vocab.toJSON()).toArray()).toEqual(vocab.toArray());
    expect(() => Vocabulary.fromJSON({ type: 'gated.Vocabulary', tokens: ['a', 'b'] })).toThrow(/<pad>/);
    expect(() => Vocabulary.fromJSON('{"tokens": []}')).toThrow(TypeError);
  });

  it('rejects bad input', () => {
    expect(() => Vocabulary.build([['a'], 'b' as unknown as string[]])).toThrow(/tokenLists\[1\]/);
    expect(() => Vocabulary.build(docs, { maxSize: -1 })).toThrow(RangeError);
    expect(() => Vocabulary.build(docs, { maxsize: 3 } as never)).toThrow(/unknown option 'maxsize'/);
    expect(() => new Vocabulary(['a', 'a'])).toThrow(RangeError);
    expect(() => new Vocabulary(['<pad>'])).toThrow(RangeError);
  });
});

describe('padSequences', () => {
  it('pads to the longest sequence and returns int64 lengths', () => {
    const { tensor, lengths } = padSequences([[5, 6, 7], [8], [9, 10]]);
    expect(tensor.shape).toEqual([3, 3]);
    expect(tensor.dtype).toBe('int64');
    expect(tensor.toArray()).toEqual([
      [5, 6, 7],
      [8, 0, 0],
      [9, 10, 0],
    ]);
    expect(lengths.dtype).toBe('int64');
    expect(lengths.toArray()).toEqual([3, 1, 2]);
  });

  it('truncates long sequences at the end or the start', () => {
    const seqs = [[1, 2, 3, 4, 5], [6, 7]];
    const post = padSequences(seqs, { maxLength: 3, padValue: -1 });
    expect(post.tensor.toArray()).toEqual([
      [1, 2, 3],
      [6, 7, -1],
    ]);
    expect(post.lengths.toArray()).toEqual([3, 2]);
    const pre = padSequences(seqs, { maxLength: 3, truncating: 'pre' });
    expect(pre.tensor.toArray()).toEqual([
      [3, 4, 5],
      [6, 7, 0],
    ]);
    const short = padSequences([[1], [2, 3]], { maxLength: 10 });
    expect(short.tensor.shape).toEqual([2, 2]);
  });

  it("pads to exactly maxLength with padTo: 'maxLength', in int32 if asked", () => {
    const { tensor, lengths } = padSequences([[1, 2]], { maxLength: 4, padTo: 'maxLength', dtype: 'int32' });
    expect(tensor.dtype).toBe('int32');
    expect(lengths.dtype).toBe('int32');
    expect(tensor.toArray()).toEqual([[1, 2, 0, 0]]);
  });

  it('gives at least one step for empty sequences, and works as LSTM lengths', () => {
    const empty = padSequences([[], []]);
    expect(empty.tensor.shape).toEqual([2, 1]);
    expect(empty.lengths.toArray()).toEqual([0, 0]);

    g.manualSeed(0);
    const embedding = new g.nn.Embedding(12, 4, { paddingIdx: 0 });
    const lstm = new g.nn.LSTM({ inputSize: 4, hiddenSize: 3, batchFirst: true });
    const { tensor, lengths } = padSequences([[3, 4, 5], [6]]);
    const { h } = lstm.forward(embedding.forward(tensor), { lengths });
    const alone = lstm.forward(embedding.forward(g.tensor([[6]], undefined, { dtype: 'int64' }))).h;
    const a = h.select(1, 1).dataSync() as Float32Array;
    const b = alone.select(1, 0).dataSync() as Float32Array;
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i], 6);
  });

  it('rejects bad input', () => {
    expect(() => padSequences([])).toThrow(RangeError);
    expect(() => padSequences([[1.5]])).toThrow(/sequences\[0\]\[0\]/);
    expect(() => padSequences([[1]], { maxLength: 0 })).toThrow(RangeError);
    expect(() => padSequences([[1]], { padTo: 'maxLength' })).toThrow(/maxLength/);
    expect(() => padSequences([[1]], { maxlen: 3 } as never)).toThrow(/unknown option 'maxlen'/);
  });
});

describe('shuffle and trainTestSplit', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);

  it('shuffles the same way for the same seed, and differently for another', () => {
    const a = shuffle(items, { seed: 7 });
    expect(shuffle(items, { seed: 7 })).toEqual(a);
    expect(shuffle(items, { seed: 8 })).not.toEqual(a);
    expect(a.slice().sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    expect(items[0]).toBe(0); // the input is untouched
    expect(permutation(5, 3)).toEqual(permutation(5, 3));
    // Pinned so a change of generator is noticed: the order must not change between versions.
    expect(permutation(8, 42)).toEqual([2, 7, 1, 0, 6, 5, 3, 4]);
  });

  it('splits deterministically into disjoint parts', () => {
    const first = trainTestSplit(items, { testSize: 0.3, seed: 1 });
    const again = trainTestSplit(items, { testSize: 0.3, seed: 1 });
    expect(again).toEqual(first);
    expect(first.test.length).toBe(30);
    expect(first.train.length).toBe(70);
    expect(new Set([...first.train, ...first.test]).size).toBe(100);
    expect(first.testIndices.map((i) => items[i])).toEqual(first.test);
    expect(trainTestSplit(items, { testSize: 0.3, seed: 2 }).test).not.toEqual(first.test);
    expect(trainTestSplit(items, { testSize: 12 }).test.length).toBe(12);
  });

  it('keeps each group\'s share with stratify', () => {
    const groups = items.map((i) => (i < 80 ? 'ham' : i < 90 ? 'hard' : 'spam'));
    const { test, train } = trainTestSplit(items, { testSize: 0.3, seed: 3, stratify: groups });
    const count = (list: number[], group: string) => list.filter((i) => groups[i] === group).length;
    expect([count(test, 'ham'), count(test, 'hard'), count(test, 'spam')]).toEqual([24, 3, 3]);
    expect([count(train, 'ham'), count(train, 'hard'), count(train, 'spam')]).toEqual([56, 7, 7]);
    const byFunction = trainTestSplit(items, { testSize: 0.3, seed: 3, stratify: (_item, i) => groups[i] });
    expect(byFunction.test).toEqual(test);
    const counted = trainTestSplit(items, { testSize: 11, seed: 3, stratify: groups });
    expect(counted.test.length).toBe(11);
  });

  it('rejects bad input', () => {
    expect(() => trainTestSplit(items, { testSize: 1.5 })).toThrow(RangeError);
    expect(() => trainTestSplit(items, { testSize: 101 })).toThrow(RangeError);
    expect(() => trainTestSplit(items, { stratify: [1, 2] })).toThrow(/one key per item/);
    expect(() => shuffle(items, { seed: -1 })).toThrow(RangeError);
  });
});

describe('batches and DataLoader', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);

  it('cuts items into batches, in order or shuffled', () => {
    expect([...batches(items, { batchSize: 4 })]).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect([...batches(items, { batchSize: 4, dropLast: true })].length).toBe(2);
    const shuffled = [...batches(items, { batchSize: 4, shuffle: true, seed: 5 })];
    expect(shuffled.flat().sort((a, b) => a - b)).toEqual(items);
    expect([...batches(items, { batchSize: 4, shuffle: true, seed: 5 })]).toEqual(shuffled);
  });

  it('buckets items of similar length together', () => {
    const lengths = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    const plan = [...batches(items, { batchSize: 2, lengthOf: (i) => lengths[i], bucketSize: 5, shuffle: true, seed: 1 })];
    expect(plan.flat().sort((a, b) => a - b)).toEqual(items);
    for (const batch of plan) expect(Math.abs(lengths[batch[0]] - lengths[batch[1]])).toBe(1);
  });

  it('reshuffles every epoch, reproducibly, and collates', () => {
    const make = () => new DataLoader(items, { batchSize: 3, shuffle: true, seed: 9, collate: (b) => b.join(',') });
    const loader = make();
    expect(loader.length).toBe(4);
    const epoch0 = [...loader];
    const epoch1 = [...loader];
    expect(epoch0).not.toEqual(epoch1);
    const other = make();
    expect([...other]).toEqual(epoch0);
    expect([...other]).toEqual(epoch1);
    expect(typeof epoch0[0]).toBe('string');
    const bucketed = new DataLoader(Array.from({ length: 23 }, (_, i) => i), { batchSize: 4, lengthOf: (i) => i, bucketSize: 2 });
    expect(bucketed.length).toBe([...bucketed].length);
    expect(() => new DataLoader(items, { batchSize: 0 })).toThrow(RangeError);
  });
});

describe('loadImdb', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gated-imdb-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };
  const root = path.join(tmp, 'aclImdb');
  write(path.join(root, 'train', 'pos', '10_9.txt'), 'Great film.<br /><br />Loved it.');
  write(path.join(root, 'train', 'pos', '2_7.txt'), 'Pretty good.');
  write(path.join(root, 'train', 'neg', '3_1.txt'), 'Awful, just awful.');
  write(path.join(root, 'train', 'unsup', '0_0.txt'), 'ignored');
  write(path.join(root, 'train', 'labeledBow.feat'), '0 0:1');
  write(path.join(root, 'test', 'pos', '0_10.txt'), 'A masterpiece — “ten out of ten”.');
  write(path.join(root, 'test', 'neg', '1_4.txt'), 'Meh.');
  write(path.join(root, 'test', 'neg', '0_2.txt'), 'Bad.');
  write(path.join(root, 'imdb.vocab'), 'the\nand\na\n');

  it('reads texts, labels (pos 1, neg 0), ratings and ids', async () => {
    const data = await loadImdb(root);
    expect(data.root).toBe(root);
    expect(data.train).toEqual({
      texts: ['Pretty good.', 'Great film.<br /><br />Loved it.', 'Awful, just awful.'],
      labels: [1, 1, 0],
      ratings: [7, 9, 1],
      ids: [2, 10, 3],
    });
    expect(data.test?.labels).toEqual([1, 0, 0]);
    expect(data.test?.ratings).toEqual([10, 2, 4]);
    expect(data.test?.texts[0]).toBe('A masterpiece — “ten out of ten”.');
    expect(data.vocab).toEqual(['the', 'and', 'a']);
    expect(tokenize(data.train!.texts[1])).toEqual(['great', 'film', 'loved', 'it']);
  });

  it('finds aclImdb/ inside the given folder, and reads one split or a few reviews', async () => {
    const data = await loadImdb(tmp, { splits: ['test'], limitPerClass: 1 });
    expect(data.root).toBe(root);
    expect(data.train).toBeUndefined();
    expect(data.test).toEqual({ texts: ['A masterpiece — “ten out of ten”.', 'Bad.'], labels: [1, 0], ratings: [10, 2], ids: [0, 0] });
  });

  it('reports a wrong layout clearly', async () => {
    await expect(loadImdb(path.join(tmp, 'nowhere'))).rejects.toThrow(/does not exist/);
    const flat = path.join(tmp, 'flat');
    write(path.join(flat, 'train', 'pos', '1_8.txt'), 'x');
    await expect(loadImdb(flat)).rejects.toThrow(/aclImdb layout .*train.neg is missing/);
    await expect(loadImdb(flat, { splits: ['test'] })).rejects.toThrow(/test.pos is missing/);
    const misnamed = path.join(tmp, 'misnamed');
    write(path.join(misnamed, 'train', 'pos', 'review1.txt'), 'x');
    fs.mkdirSync(path.join(misnamed, 'train', 'neg'), { recursive: true });
    await expect(loadImdb(misnamed, { splits: ['train'] })).rejects.toThrow(/<id>_<rating>\.txt .*'review1\.txt'/);
    const empty = path.join(tmp, 'empty');
    write(path.join(empty, 'train', 'pos', '1_8.txt'), 'x');
    fs.mkdirSync(path.join(empty, 'train', 'neg'), { recursive: true });
    await expect(loadImdb(empty, { splits: ['train'] })).rejects.toThrow(/neg .*is empty/);
    await expect(loadImdb(root, { splits: ['dev' as never] })).rejects.toThrow(TypeError);
  });

  it('gives vocab null when imdb.vocab is absent', async () => {
    const bare = path.join(tmp, 'bare');
    write(path.join(bare, 'train', 'pos', '1_8.txt'), 'good');
    write(path.join(bare, 'train', 'neg', '1_3.txt'), 'bad');
    const data = await loadImdb(bare, { splits: ['train'] });
    expect(data.vocab).toBeNull();
    expect(data.train?.labels).toEqual([1, 0]);
  });
});
