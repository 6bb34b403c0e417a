import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import t from 'tap';
import { addUser } from '../helpers/directory.js';
import { finishedJob } from '../helpers/bulk.js';
import { confirmImport, importReady, mapColumns, previewOf, uploadCsv } from '../helpers/import.js';

type Ctx = Awaited<ReturnType<typeof importReady>>;
const uploadFiles = (ctx: Ctx) => {
  const folder = path.join(ctx.app.config.dataDir, 'imports', String(ctx.admin.id));
  return readdirSync(folder)
    .sort()
    .map((name) => ({ name, mode: statSync(path.join(folder, name)).mode & 0o777 }));
};
/** The option selected in the named select of a page. */
const selected = (body: string, name: string) =>
  new RegExp(`name="${name}"[^>]*>([\\s\\S]*?)</select>`)
    .exec(body)?.[1]
    ?.match(/<option value="([^"]*)" selected>/)?.[1];

t.test('a value longer than its field is a problem on its line and column, never cut to fit', async (t) => {
  const ctx = await importReady(t);
  const file = [
    'Last Name,First Name,User Type,Notes,Territory',
    `Holm,${'Å'.repeat(100_000)},Employee,,`,
    `${'B'.repeat(201)},Per,Employee,${'n'.repeat(10_000)},`,
    `Lund,Eva,Employee,,${'N'.repeat(201)}`,
  ].join('\r\n');
  const { page } = await previewOf(ctx.app, ctx.browser, file);
  t.match(page.body, /3 rows of 3 have 3 problems/);
  t.match(page.body, /<td>2<\/td><td>First Name<\/td><td>Too long: 100,000 characters where at most 200 fit.<\/td>/);
  t.match(page.body, /<td>3<\/td><td>Last Name<\/td><td>Too long: 201 characters where at most 200 fit.<\/td>/);
  t.match(page.body, /<td>4<\/td><td>Territory<\/td><td>Too long: 201 characters where at most 200 fit.<\/td>/);
  t.notMatch(page.body, /Unknown territory/, 'said once, as too long');
  t.notMatch(page.body, /Notes<\/td>/, 'a note of 10,000 characters fits');
});

t.test('the columns page shows the encoding it read and reads the file again in another', async (t) => {
  const ctx = await importReady(t);
  const bytes = iconv.encode('Last Name;First Name;User Type\r\nDvořák;Łukasz;Employee\r\n', 'ISO-8859-2');
  const uploaded = await uploadCsv(ctx.app, ctx.browser, bytes);
  const columns = String(uploaded.headers.location);
  const location = columns.replace(/\/columns$/, '');
  const page = await ctx.browser.get(columns);
  t.match(page.body, /people\.csv · ISO-8859-2 · 3 columns/);
  t.match(page.body, /<td class="muted">Łukasz<\/td>/, 'the first value of each column is shown');
  t.match(page.body, /<label for="field-encoding">Encoding<\/label>/, 'a visible label');
  t.equal(selected(page.body, 'encoding'), 'ISO-8859-2');
  for (const name of ['UTF-8', 'windows-1252', 'ISO-8859-1', 'ISO-8859-2', 'windows-1250']) {
    t.match(page.body, `<option value="${name}"`, `${name} is offered`);
  }
  t.match(page.body, /Found from the file’s bytes/);

  const western = await ctx.browser.post(`${location}/encoding`, { encoding: 'windows-1252' });
  t.equal(western.statusCode, 303);
  t.equal(western.headers.location, columns);
  const misread = await ctx.browser.get(columns);
  t.match(misread.body, /people\.csv · windows-1252 ·/);
  t.match(misread.body, /<td class="muted">£ukasz<\/td>/, 'read as chosen, however it looks');
  t.equal(selected(misread.body, 'encoding'), 'windows-1252');
  t.match(misread.body, /As you chose/);

  const notUtf8 = await ctx.browser.post(`${location}/encoding`, { encoding: 'UTF-8' });
  t.equal(notUtf8.statusCode, 303);
  const refused = await ctx.browser.get(columns);
  t.match(refused.body, /This file is not UTF-8/, 'bytes that are not UTF-8 are not read as UTF-8');
  t.match(refused.body, /<td class="muted">£ukasz<\/td>/, 'and the file stays as it was read');

  await ctx.browser.post(`${location}/encoding`, { encoding: 'KOI8-R' });
  t.match((await ctx.browser.get(columns)).body, /Choose one of the encodings in the list/);

  await ctx.browser.post(`${location}/encoding`, { encoding: 'ISO-8859-2' });
  const { page: preview } = await mapColumns(ctx.app, ctx.browser, location);
  t.match(preview.body, /<td>Łukasz<\/td>\s*<td>Dvořák<\/td>/);
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'done', job.error ?? '');
  const stored = ctx.db.get<{ first_name: string; last_name: string }>(
    sql`select first_name, last_name from users where last_name like 'Dvo%'`,
  );
  t.same(stored, { first_name: 'Łukasz', last_name: 'Dvořák' }, 'imported as the file holds it');
});

t.test('the preview is worked out once, kept with the upload for its owner only, and removed with it', async (t) => {
  const ctx = await importReady(t);
  const file = 'Username,Last Name,First Name,User Type\nnew1,One,New,Employee\n';
  const { page, location } = await previewOf(ctx.app, ctx.browser, file);
  t.match(page.body, /<strong>1 user<\/strong> will be created/);
  const id = location.split('/').pop()!;
  t.same(
    uploadFiles(ctx),
    [
      { name: `${id}.bytes`, mode: 0o600 },
      { name: `${id}.choices.json`, mode: 0o600 },
      { name: `${id}.json`, mode: 0o600 },
      { name: `${id}.preview.json`, mode: 0o600 },
      { name: `${id}.rows`, mode: 0o600 },
      { name: `${id}.text`, mode: 0o600 },
    ],
    'the file as sent, its text, the choices made and its preview, readable by the server only',
  );

  // Shown again, the page is the kept one: it is not checked against the directory again…
  addUser(ctx.db, { username: 'new1', firstName: 'Quick', lastName: 'Er' });
  const again = await ctx.browser.get(location);
  t.match(again.body, /<strong>1 user<\/strong> will be created/);
  t.notMatch(again.body, /already taken/);
  // …until the administrator checks the rows again.
  const { page: checked } = await mapColumns(ctx.app, ctx.browser, location);
  t.match(checked.body, /<td>2<\/td><td>Username<\/td><td>This username is already taken\./);

  ctx.db.run(sql`delete from users where username = 'new1'`);
  await mapColumns(ctx.app, ctx.browser, location);
  const { job } = await finishedJob(ctx.app, ctx.browser, await confirmImport(ctx.browser, location));
  t.equal(job.state, 'done', job.error ?? '');
  t.same(uploadFiles(ctx), [], 'the upload, its bytes and its preview are all removed');
});
