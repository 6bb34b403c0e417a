import { utimesSync, readdirSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import t from 'tap';
import { decodeUpload } from '../../src/imports/decode.js';
import { mappedRows, readCsv } from '../../src/imports/read-csv.js';
import { recogniseHeaders } from '../../src/imports/columns.js';
import { KEPT_MS, UploadStore } from '../../src/imports/upload-store.js';
import { tempDir } from '../helpers/app.js';

t.test('the bytes decide the encoding', async (t) => {
  const text = 'Last Name,First Name,User Type\nÖberg,Åsa,Employee\n';
  t.same(await decodeUpload(Buffer.from(text)), { text, encoding: 'UTF-8' });
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf16le')]);
  t.same(await decodeUpload(utf16), { text, encoding: 'UTF-16LE' }, 'UTF-16 with its byte-order mark');
  const euro = await decodeUpload(
    iconv.encode('Last Name;First Name;User Type;Notes\nHolm;Åsa;Employee;€ 5\n', 'windows-1252'),
  );
  t.match(euro, { text: /Åsa;Employee;€ 5/, encoding: 'windows-1252' }, 'the euro sign of Windows-1252');
  const zip = Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(100)]);
  t.match(await decodeUpload(zip), { problem: /not text/ });
});

t.test('rows keep the line they start on; odd rows are told apart', async (t) => {
  const read = readCsv('Last Name,First Name,User Type\n"Holm\nBerg",Åsa,Employee\n\nLund,Eva,Employee,,surplus\n');
  t.ok('records' in read);
  if (!('records' in read)) return;
  t.same(
    mappedRows(read, recogniseHeaders(read.headers)).map((r) => [r.line, r.extraValues]),
    [
      [2, 0],
      [5, 1],
    ],
    'a value with a line break, a blank line and a value past the last column',
  );
  t.match(readCsv('Last Name,First Name,User Type\nHolm,"Åsa"x,Employee\n'), {
    problem: /^Line 2: a quoted value is followed by more text/,
  });
  t.match(readCsv('Last Name,First Name,User Type\n' + 'a,b,c\n'.repeat(20_001), { maxRows: 20_000 }), {
    problem: /has 20,001 rows; at most 20,000/,
  });
  const preamble = readCsv(
    '#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n"GivenName","Surname"\r\n"Åsa","Holm"\r\n',
  );
  t.match(
    preamble,
    { headers: ['GivenName', 'Surname'], records: [{ line: 3, values: ['Åsa', 'Holm'] }] },
    'a #TYPE line is skipped',
  );
  t.match(readCsv('version:v1.0\nName [displayName] Required\nÅsa Holm\n'), {
    headers: ['Name [displayName] Required'],
  });
});

t.test('uploads are found only by their administrator, and only until they expire', async (t) => {
  const root = tempDir(t);
  const store = new UploadStore(root);
  const id = store.save(1, { filename: 'a.csv', encoding: 'UTF-8', text: 'x' });
  t.match(store.find(1, id), { id, filename: 'a.csv', text: 'x' });
  t.equal(store.find(2, id), undefined, 'not in another administrator’s folder');
  t.equal(store.find(1, '../1/' + id), undefined, 'an id is never a path');
  const old = (Date.now() - KEPT_MS - 1000) / 1000;
  for (const kept of ['json', 'text']) utimesSync(path.join(root, '1', `${id}.${kept}`), old, old);
  t.equal(store.find(1, id), undefined, 'expired');
  store.save(2, { filename: 'b.csv', encoding: 'UTF-8', text: 'y' });
  t.same(readdirSync(path.join(root, '1')), [], 'the next upload sweeps expired ones away');
  new UploadStore(path.join(root, 'missing')).removeExpired();
});

t.test('a file in two encodings is refused with the lines that disagree, and nothing is guessed', async (t) => {
  const utf8 = Buffer.from('Last Name,First Name,User Type\nÖberg,Åsa,Employee\n');
  const latin1 = iconv.encode('Müller,Jürgen,Employee\n', 'latin1');
  t.match(await decodeUpload(Buffer.concat([utf8, latin1])), {
    problem: /^This file mixes encodings: line 2 is UTF-8 \(it has “Ö”\), and line 3 is in another encoding/,
  });
  const western = iconv.encode(
    'Last Name,First Name,User Type\nMüller,Jürgen,Employee\nØstergård,Søren,Employee\n',
    'latin1',
  );
  t.match(
    await decodeUpload(western),
    { encoding: 'windows-1252' },
    'a file in one single-byte encoding is read as before',
  );
});
