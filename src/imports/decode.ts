import chardet from 'chardet';
import { fileTypeFromBuffer } from 'file-type';
import iconv from 'iconv-lite';
import { implausibility } from './plausible-text.js';

/** What an uploaded file turned out to be: its text, or why it cannot be read as a CSV file. */
export type Decoded = { text: string; encoding: string } | { problem: string };

/** The encodings a file may be read in, as the preview offers them: the name, and what it is for. */
export const ENCODINGS = [
  { name: 'UTF-8', label: 'UTF-8 (Unicode)' },
  { name: 'windows-1252', label: 'Windows-1252 (Western European)' },
  { name: 'ISO-8859-1', label: 'ISO-8859-1 (Latin-1, Western European)' },
  { name: 'ISO-8859-15', label: 'ISO-8859-15 (Latin-9, Western European with €)' },
  { name: 'windows-1250', label: 'Windows-1250 (Central European)' },
  { name: 'ISO-8859-2', label: 'ISO-8859-2 (Latin-2, Central European)' },
  { name: 'UTF-16LE', label: 'UTF-16 LE (Unicode)' },
  { name: 'UTF-16BE', label: 'UTF-16 BE (Unicode)' },
] as const;

export const isEncoding = (name: string) => ENCODINGS.some((e) => e.name === name);

/**
 * The single-byte encodings a spreadsheet saves CSV files in, in the order they win a tie:
 * Western European first, then Central European (Polish, Czech, Slovak, Hungarian…).
 * Windows-1252 is Latin-1 with printable characters where Latin-1 has controls.
 */
const SINGLE_BYTE = ['windows-1252', 'ISO-8859-2', 'windows-1250'];

/** chardet's names for the same encodings: it calls Windows-1252 Latin-1 when no byte tells them apart. */
const CHARDET_NAMES: Record<string, string> = {
  'ISO-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  'ISO-8859-2': 'ISO-8859-2',
  'windows-1250': 'windows-1250',
};

const BOMS: [Buffer, string][] = [
  [Buffer.from([0xef, 0xbb, 0xbf]), 'UTF-8'],
  [Buffer.from([0xff, 0xfe]), 'UTF-16LE'],
  [Buffer.from([0xfe, 0xff]), 'UTF-16BE'],
];

const NOT_CSV = (what: string) => ({
  problem: `This file is ${what}. Save it as CSV (comma or semicolon separated) and upload that.`,
});

/**
 * The single-byte encoding whose text reads most like names: each candidate decodes the file,
 * and the one with the fewest misread-looking words wins. chardet's ranking, from letter
 * frequencies, breaks a tie (Latin-2 and Windows-1250 differ in a few letters only).
 */
function guessSingleByte(data: Buffer): string {
  const rank = new Map<string, number>();
  for (const c of chardet.analyse(data)) {
    const name = CHARDET_NAMES[c.name];
    if (name && !rank.has(name)) rank.set(name, c.confidence);
  }
  const scored = SINGLE_BYTE.map((encoding, order) => ({
    encoding,
    order,
    misread: implausibility(iconv.decode(data, encoding)),
    confidence: rank.get(encoding) ?? 0,
  }));
  scored.sort((a, b) => a.misread - b.misread || b.confidence - a.confidence || a.order - b.order);
  return scored[0]!.encoding;
}

/** The text in the given encoding, or why the bytes are not text in it. */
export function decodeAs(data: Buffer, encoding: string): Decoded {
  const bom = BOMS.find(([bytes, name]) => name === encoding && data.subarray(0, bytes.length).equals(bytes));
  const body = bom ? data.subarray(bom[0].length) : data;
  let text: string;
  if (encoding === 'UTF-8') {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return { problem: 'This file is not UTF-8: some of its bytes are not UTF-8 text. Choose another encoding.' };
    }
  } else text = iconv.decode(body, encoding);
  // A NUL is in no CSV file, whatever the encoding: a byte-order mark does not make it text.
  if (text.includes('\0')) return NOT_CSV('not text');
  return { text, encoding };
}

/** A UTF-8 encoded letter outside ASCII: two to four bytes, read here as Latin-1 characters. */
const UTF8_SEQUENCE = /[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}/g;

/**
 * Why a file that is not UTF-8 as a whole cannot be read in one single-byte encoding either:
 * some of its lines are UTF-8 letters ("Ã…" in Windows-1252 is "Å") and others are not, as when
 * files from two systems are pasted together. Undefined for a file in one encoding.
 */
function mixedEncoding(data: Buffer): string | undefined {
  const lines = data.toString('latin1').split(/\r\n|\n|\r/);
  let utf8Line: { line: number; letter: string } | undefined;
  let otherLine: number | undefined;
  lines.forEach((text, i) => {
    if (utf8Line && otherLine) return;
    if (!/[\x80-\xFF]/.test(text)) return;
    const sequences = text.match(UTF8_SEQUENCE) ?? [];
    const letters = sequences
      .map((bytes) => Buffer.from(bytes, 'latin1').toString('utf8'))
      .filter((c) => /\p{L}/u.test(c));
    const rest = text.replace(UTF8_SEQUENCE, '');
    if (letters.length > 0 && !utf8Line) utf8Line = { line: i + 1, letter: letters[0]! };
    if (/[\x80-\xFF]/.test(rest) && !otherLine) otherLine = i + 1;
  });
  if (!utf8Line || !otherLine) return undefined;
  return `This file mixes encodings: line ${utf8Line.line} is UTF-8 (it has “${utf8Line.letter}”), and line ${otherLine} is in another encoding, so one of them would be misread whichever is chosen. Save the whole file in one encoding, preferably UTF-8, and upload it again.`;
}

/**
 * Turns the uploaded bytes into text. The bytes decide, never the file's name or declared type:
 * a byte-order mark names the encoding; otherwise a file with a known binary signature (a
 * spreadsheet workbook, an image, a zip) or with NUL bytes is refused, UTF-8 is taken when the
 * bytes are valid UTF-8, a file that is partly UTF-8 is refused, and otherwise the single-byte
 * encoding that reads most like names.
 */
export async function decodeUpload(data: Buffer): Promise<Decoded> {
  if (data.length === 0) return { problem: 'The file is empty.' };
  const bom = BOMS.find(([bytes]) => data.subarray(0, bytes.length).equals(bytes));
  if (bom) return decodeAs(data, bom[1]);
  const detected = await fileTypeFromBuffer(data);
  if (detected || data.includes(0)) {
    return NOT_CSV(detected?.ext === 'xlsx' || detected?.ext === 'cfb' ? 'a spreadsheet workbook' : 'not text');
  }
  const utf8 = decodeAs(data, 'UTF-8');
  if ('text' in utf8) return utf8;
  const mixed = mixedEncoding(data);
  return mixed ? { problem: mixed } : decodeAs(data, guessSingleByte(data));
}
