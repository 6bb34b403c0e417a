import chardet from 'chardet';
import { fileTypeFromBuffer } from 'file-type';
import iconv from 'iconv-lite';

/** What an uploaded file turned out to be: its text, or why it cannot be read as a CSV file. */
export type Decoded = { text: string; encoding: string } | { problem: string };

/**
 * Encodings a spreadsheet saves CSV files in. chardet ranks many candidates for a short file
 * (Latin-2, Turkish, Shift_JIS…); only these are believed, so a Swedish name is never read as
 * Romanian. Windows-1252 is Latin-1 with printable characters where Latin-1 has controls.
 */
const SINGLE_BYTE = new Map([
  ['ISO-8859-1', 'windows-1252'],
  ['windows-1252', 'windows-1252'],
  ['ISO-8859-15', 'ISO-8859-15'],
]);

const BOMS: [Buffer, string][] = [
  [Buffer.from([0xef, 0xbb, 0xbf]), 'UTF-8'],
  [Buffer.from([0xff, 0xfe]), 'UTF-16LE'],
  [Buffer.from([0xfe, 0xff]), 'UTF-16BE'],
];

/**
 * Turns the uploaded bytes into text. The bytes decide, never the file's name or declared type:
 * a file with a known binary signature (a spreadsheet workbook, an image, a zip) or with NUL
 * bytes is refused; UTF-8 is taken when the bytes are valid UTF-8, and otherwise chardet picks
 * between the single-byte encodings Excel uses on Windows.
 */
export async function decodeUpload(data: Buffer): Promise<Decoded> {
  if (data.length === 0) return { problem: 'The file is empty.' };
  for (const [bom, encoding] of BOMS) {
    if (data.subarray(0, bom.length).equals(bom)) {
      return { text: iconv.decode(data.subarray(bom.length), encoding), encoding };
    }
  }
  const detected = await fileTypeFromBuffer(data);
  if (detected || data.includes(0)) {
    const what = detected?.ext === 'xlsx' || detected?.ext === 'cfb' ? 'a spreadsheet workbook' : 'not text';
    return { problem: `This file is ${what}. Save it as CSV (comma or semicolon separated) and upload that.` };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(data), encoding: 'UTF-8' };
  } catch {
    const guess = chardet.analyse(data).find((c) => SINGLE_BYTE.has(c.name));
    const encoding = SINGLE_BYTE.get(guess?.name ?? '') ?? 'windows-1252';
    return { text: iconv.decode(data, encoding), encoding };
  }
}
