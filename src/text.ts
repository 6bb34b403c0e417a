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
