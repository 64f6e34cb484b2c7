// The global random generator: a Philox key (the seed) and a position in its stream. Every draw
// takes the next block of the stream, so a seed fixes every random tensor and dropout mask after it.
import { FloatArray } from './autograd';
import { native } from './native';
import { checkInteger } from './validate';

/** PyTorch's default seed, so runs are reproducible even without manualSeed(). */
const DEFAULT_SEED = 67280421310721n;
const MASK64 = (1n << 64n) - 1n;

const generator = { seed: DEFAULT_SEED, offset: 0n };

/** Seeds the generator behind rand, randn, parameter initialisation and dropout. */
export function manualSeed(seed: number | bigint): void {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed > MASK64) throw new RangeError(`gated: expected seed in [0, 2^64) but received ${seed}`);
    generator.seed = seed;
  } else {
    generator.seed = BigInt(checkInteger(seed, 'seed', 0));
  }
  generator.offset = 0n;
}

export function initialSeed(): bigint {
  return generator.seed;
}

/** Reserves `count` elements of the stream (rounded up to whole Philox blocks) and returns their start. */
function take(count: number): bigint {
  const start = generator.offset;
  generator.offset += BigInt(Math.ceil(count / 4) * 4);
  return start;
}

export function fillUniform(array: FloatArray, low: number, high: number): void {
  native.fillUniform(array, generator.seed, 0, take(array.length), low, high);
}

export function fillNormal(array: FloatArray, mean: number, std: number): void {
  native.fillNormal(array, generator.seed, 0, take(array.length + (array.length % 2)), mean, std);
}

/** SplitMix64's finaliser: a bijective mix of 64 bits. */
function mix64(value: bigint): bigint {
  let z = value & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** A fresh 64-bit key for a dropout call, derived from the generator's position. */
export function nextSeed(): bigint {
  return mix64(generator.seed ^ mix64(take(4)));
}
