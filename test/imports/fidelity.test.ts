import iconv from 'iconv-lite';
import t from 'tap';
import { decodeUpload } from '../../src/imports/decode.js';
import { MAX_COLUMNS, mappedRows, readCsv } from '../../src/imports/read-csv.js';
import { recogniseHeaders } from '../../src/imports/columns.js';

const HEADER = 'Last Name,First Name,User Type';
const linesOf = (text: string) => {
  const read = readCsv(text);
  if ('problem' in read) return read.problem;
  return mappedRows(read, recogniseHeaders(read.headers)).map((r) => [r.line, r.cells.firstName]);
};

t.test('Central European files are read in their own encoding, Western ones as before', async (t) => {
  const polishCzech = `${HEADER}\nDvořák,Łukasz,Employee\n`;
  t.same(await decodeUpload(iconv.encode(polishCzech, 'ISO-8859-2')), { text: polishCzech, encoding: 'ISO-8859-2' });
  const more = `${HEADER}\r\nČerný,Jiří,Employee\r\nWiśniewski,Paweł,Employee\r\nŠimek,Šárka,Employee\r\n`;
  t.same(await decodeUpload(iconv.encode(more, 'windows-1250')), { text: more, encoding: 'windows-1250' });
  const czech = `${HEADER}\nRůžička,Jiří,Employee\n`;
  t.same(await decodeUpload(iconv.encode(czech, 'ISO-8859-2')), { text: czech, encoding: 'ISO-8859-2' });
  const western = `${HEADER}\nØstergård,Søren,Employee\nMüller,Jürgen,Employee\nLefèvre,Renée,Employee\n`;
  t.same(await decodeUpload(iconv.encode(western, 'windows-1252')), { text: western, encoding: 'windows-1252' });
});

t.test('a NUL is refused after a byte-order mark as anywhere else', async (t) => {
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\nHolm,Å\0sa,Employee\n`)]);
  t.match(await decodeUpload(utf8), { problem: /This file is not text/ });
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(`${HEADER}\n\0\n`, 'utf16le')]);
  t.match(await decodeUpload(utf16), { problem: /This file is not text/ });
});

t.test('a lone CR ends a line, and lines are counted right whatever ends them', async (t) => {
  t.same(linesOf(`${HEADER}\nHolm,Åsa,Employee\rBerg,Per,Employee\n`), [
    [2, 'Åsa'],
    [3, 'Per'],
  ]);
  for (const [name, end] of [
    ['LF', '\n'],
    ['CR LF', '\r\n'],
    ['CR', '\r'],
  ]) {
    const rows = [HEADER, `Holm,"Å${end}sa",Employee`, '', 'Berg,Per,Employee', ',,', 'Ek,Éva,Employee'];
    t.same(
      linesOf(rows.join(end)),
      [
        [2, `Å${end}sa`],
        [5, 'Per'],
        [7, 'Éva'],
      ],
      `${name}: a value over two lines, a blank line and a line of separators`,
    );
    const unclosed = [HEADER, `Holm,"Å${end}sa",Employee`, '', 'Berg,"Per,Employee', 'Ek,Eva,Employee'];
    t.match(linesOf(unclosed.join(end)), /^Line 5: a value opens with a quote/, `${name}: the unclosed quote's line`);
    const stray = [HEADER, `Holm,"Å${end}sa",Employee`, 'Lund,"Eva"x,Employee'];
    t.match(linesOf(stray.join(end)), /^Line 4: a quoted value is followed by more text/, `${name}: a stray quote`);
  }
});

t.test('a header over 64 KB or with too many columns is refused before the rows are read', async (t) => {
  const rows = '\nHolm,Åsa,Employee'.repeat(20_000);
  t.match(readCsv(`${HEADER},${'x'.repeat(64 * 1024)}${rows}`), {
    problem: /^The first line is longer than 64 KB/,
  });
  // A quote that never closes makes the whole file one header: measured, not parsed.
  t.match(readCsv(`"${HEADER}\n${'x'.repeat(10 * 1024 * 1024)}`), { problem: /^The first line is longer than 64 KB/ });
  const wide = `${HEADER}${',Extra'.repeat(MAX_COLUMNS - 2)}`;
  t.match(readCsv(`${wide}${rows}`), { problem: /^The first line has 201 columns; at most 200 can be read/ });
  t.ok('records' in readCsv(`${HEADER}${',Extra'.repeat(MAX_COLUMNS - 3)}${rows}`), '200 columns are read');
});
