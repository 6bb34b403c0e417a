/**
 * Text as Roster compares it: case and diacritics ignored, runs of white space (and the search
 * document's separator) folded to one space — "Åsa  Öström" becomes "asa ostrom". Search, sort
 * keys and filters all use this one rule.
 */
/**
 * Letters that carry no separable accent, so NFKD leaves them as they are, and the Latin letters
 * people write for them in an address or a login name.
 */
const LATIN_LETTERS: Readonly<Record<string, string>> = {
  ø: 'o',
  Ø: 'O',
  æ: 'ae',
  Æ: 'Ae',
  œ: 'oe',
  Œ: 'Oe',
  ß: 'ss',
  ẞ: 'SS',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ŧ: 't',
  Ŧ: 'T',
};
const UNSEPARABLE = new RegExp(`[${Object.keys(LATIN_LETTERS).join('')}]`, 'gu');

/** Text in Latin letters where a name allows it: "Zoë Ødegård" → "Zoe Odegard", "Þóra" → "Thora". */
export function transliterate(text: string): string {
  return text
    .replace(UNSEPARABLE, (letter) => LATIN_LETTERS[letter]!)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '');
}

export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[|\s]+/g, ' ')
    .trim();
}

/**
 * A value for a CSV cell that a spreadsheet will not run: text starting with = + - @ (or a tab
 * or carriage return) is a formula to Excel and LibreOffice, so it gets a leading apostrophe.
 */
export function csvSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A count of users as a sentence says it: "1 user", "1,204 users". */
export function usersCount(n: number): string {
  return `${n.toLocaleString('en')} ${n === 1 ? 'user' : 'users'}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe inside HTML, for values put into a part after its template escaped the rest. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
