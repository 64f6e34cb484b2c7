// A word tokenizer for English text: lowercase, HTML tags removed, words of letters and digits.

export interface TokenizeOptions {
  /** Lowercase the text first (default true). */
  lowercase?: boolean;
  /** Replace HTML tags (<br />, <p class="x">, </b>) and comments with spaces, and decode a few entities (default true). */
  stripHtml?: boolean;
}

const TAG = /<!--[\s\S]*?-->|<\/?[A-Za-z][^<>]*>/g;
const ENTITY = /&(#x[0-9a-f]+|#\d+|[a-z]+);/gi;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
// A word: letters and digits, with apostrophes allowed between them (don't, o'clock, '90s -> 90s).
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

function decodeEntity(whole: string, body: string): string {
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
  }
  return NAMED[body.toLowerCase()] ?? whole;
}

/**
 * Splits text into words. With the defaults: HTML tags such as `<br />` become spaces, `&amp;` and
 * the like are decoded, the text is lowercased, and a token is a run of letters and digits (any
 * script), with apostrophes kept inside words (`don't`, `o'clock`) but dropped at their edges. Curly
 * apostrophes (’) count as straight ones. Punctuation and other symbols separate words.
 *
 *     tokenize('I loved it!<br /><br />Didn\'t you?') // ['i', 'loved', 'it', "didn't", 'you']
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  if (typeof text !== 'string') throw new TypeError(`gated: expected text to be a string but received ${text === null ? 'null' : typeof text}`);
  const { lowercase = true, stripHtml = true } = options;
  let s = text.replace(/[\u2018\u2019\u02bc]/g, "'");
  if (stripHtml) s = s.replace(TAG, ' ').replace(ENTITY, decodeEntity);
  if (lowercase) s = s.toLowerCase();
  return s.match(WORD) ?? [];
}
