// Argument checks with messages that name the argument, what was expected and what was given.

/** A ready-made description of what was received ('shape [2, 3]'), printed as is rather than as a string. */
export class Received {
  constructor(readonly text: string) {}
}

export function received(text: string): Received {
  return new Received(text);
}

export function describe(value: unknown): string {
  if (value instanceof Received) return value.text;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${String(value)} of type ${typeof value}`;
  }
  if (typeof value === 'string') return `'${value}' of type string`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : `a value of type ${typeof value}`;
}

export function typeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`gated: expected ${name} to be ${expected} but received ${describe(value)}`);
}

export function rangeError(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`gated: expected ${name} to be ${expected} but received ${describe(value)}`);
}

/** A whole number >= min (RangeError for NaN, fractions and out-of-range values). */
export function checkInteger(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw typeError(name, `an integer >= ${min}`, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(name, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
  return value;
}

export function checkNumberInRange(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw typeError(name, `a number in [${min}, ${max}]`, value);
  if (!(value >= min && value <= max)) throw rangeError(name, `a number in [${min}, ${max}]`, value);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  const list = allowed.map((a) => `'${a}'`).join(' or ');
  if (typeof value !== 'string') throw typeError(name, list, value);
  if (!(allowed as readonly string[]).includes(value)) throw rangeError(name, list, value);
  return value as T;
}

/** Rejects keys that are not in `known`, so a typo in an option never passes silently. */
export function checkKnownKeys(options: object, name: string, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw typeError(name, 'an object', options);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`gated: unknown option '${key}' in ${name}; known options are ${known.join(', ')}`);
    }
  }
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
