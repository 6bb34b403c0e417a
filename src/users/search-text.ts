/**
 * Search works on a normalised copy of each user's attributes: lower case, without diacritics,
 * joined with a separator so that a pattern can say "starts with" or "ends with" a value.
 * SQLite cannot strip diacritics in SQL, so the document is built here when a user is written.
 */

import { normalize } from '../text.js';

const SEPARATOR = '|';

/** The searchable document of one user: "|value|value|…|", empty values left out. */
export function searchDocument(values: readonly (string | null | undefined)[]): string {
  const parts = values.map((v) => normalize(v ?? '')).filter((v) => v !== '');
  return SEPARATOR + parts.join(SEPARATOR) + SEPARATOR;
}

/** GLOB treats * ? [ as special: a literal one is written as a one-character class. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]]/g, (c) => `[${c}]`);
}

/**
 * Turns one search term into a GLOB pattern over the document. Without wildcards a term matches
 * anywhere. With `*` or `%` the term is anchored to whole values: `ann*` is a value starting
 * with "ann", `*son` one ending with "son", `a*n` one starting with "a" and ending with "n"
 * (GLOB has no way to keep a middle wildcard inside one value, so that one may span two).
 */
export function termPattern(term: string): string {
  const pieces = term.split(/[*%]+/).map((p) => globLiteral(normalize(p)));
  if (pieces.length === 1) return `*${pieces[0]}*`;
  const first = pieces[0] === '' ? '' : SEPARATOR + pieces[0];
  const lastPiece = pieces[pieces.length - 1];
  const last = lastPiece === '' ? '' : lastPiece + SEPARATOR;
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  return ['', first, ...middle, last, ''].filter((p, i, all) => p !== '' || i === 0 || i === all.length - 1).join('*');
}

/** The longest run of literal characters in a pattern: the trigram index needs at least three. */
export function longestLiteral(term: string): number {
  return Math.max(0, ...term.split(/[*%]+/).map((p) => normalize(p).length));
}
