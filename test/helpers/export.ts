import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';

/** Reading an exported file the way a spreadsheet does: the byte-order mark, then CRLF lines. */
export function csvOf(response: LightMyRequestResponse): { bom: boolean; crlf: boolean; records: string[][] } {
  const text = response.rawPayload.toString('utf8');
  const bom = text.startsWith('\uFEFF');
  return { bom, crlf: /\r\n$/.test(text) && !/[^\r]\n/.test(text), records: parse(text, { bom: true }) };
}

/** The column of one field, by its heading. */
export function columnOf(records: string[][], label: string): string[] {
  const index = records[0]!.indexOf(label);
  if (index < 0) throw new Error(`no column ${label} in ${records[0]!.join(', ')}`);
  return records.slice(1).map((r) => r[index]!);
}
