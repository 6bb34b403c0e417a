/**
 * How believable a text is as names and words in a European language: the way to choose between
 * single-byte encodings, which all decode any bytes into something. A wrong choice shows in the
 * words it makes. "Łukasz" read as Windows-1252 becomes "£ukasz", a symbol inside a word;
 * "Dvořák" becomes "Dvoøák", letters that no one language writes together. Each word is judged
 * on its own, so a file of Polish and Czech names (or Swedish and German) is believable too.
 */

/** The letters beyond ASCII that each language writes, in lower case. */
const ALPHABETS = [
  'åäöé', // Swedish, Finnish
  'æøåéèóòâô', // Danish, Norwegian
  'äöüß', // German
  'áéíóúàèëïöü', // Dutch
  'àâæçéèêëîïôœùûüÿ', // French
  'áéíóúñü', // Spanish
  'àçéèíïóòúü', // Catalan
  'áâãàçéêíóôõú', // Portuguese
  'àèéìíîòóùú', // Italian
  'áðéíóúýþæö', // Icelandic
  'äöõüšž', // Estonian
  'ąćęłńóśźż', // Polish
  'áčďéěíňóřšťúůýž', // Czech
  'áäčďéíĺľňóôŕšťúýž', // Slovak
  'áéíóöőúüű', // Hungarian
  'ăâîșşțţ', // Romanian
  'čćđšž', // Croatian, Slovene, Bosnian, Serbian
  'çğıöşüâî', // Turkish
  'ąčęėįšųūž', // Lithuanian
  'āčēģīķļņšūž', // Latvian
  'ëç', // Albanian
].map((letters) => new Set(letters));

/** A word as a spreadsheet cell holds one: split at spaces and the punctuation names carry. */
const WORD_BREAKS = /[\s,;"'()[\]/\\.:|_&+*=<>!?#%-]+/u;
const IMPOSSIBLE = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/u;
const LETTER = /\p{L}/u;

/** Lower is better: how many words look misread. A control character no text holds counts as many. */
export function implausibility(text: string): number {
  let score = 0;
  for (const word of text.split(WORD_BREAKS)) {
    if (/^[\x00-\x7f]*$/.test(word)) continue;
    if (IMPOSSIBLE.test(word)) {
      score += 1000;
      continue;
    }
    const foreign = [...word.toLowerCase()].filter((c) => c > '\x7f');
    const letters = foreign.filter((c) => LETTER.test(c));
    // A symbol glued to letters: "£ukasz", "Pawe³", "Wi¶niewski".
    if (letters.length < foreign.length && LETTER.test(word)) score++;
    else if (letters.length > 0 && !ALPHABETS.some((alphabet) => letters.every((c) => alphabet.has(c)))) score++;
  }
  return score;
}
