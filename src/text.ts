/**
 * Text as Roster compares it: case and diacritics ignored, runs of white space (and the search
 * document's separator) folded to one space — "Åsa  Öström" becomes "asa ostrom". Search, sort
 * keys and filters all use this one rule.
 */
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
