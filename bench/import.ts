import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/connection.js';
import { benchOptions } from './config.js';
import { prepareDatabase } from './database.js';
import { signIn } from './http.js';
import { startServer } from './server.js';

/**
 * A CSV import at scale: 100,000 new users without passwords, timed over HTTP from the upload
 * to the import job saying done — the upload, the column mapping, the check job and its
 * preview, the confirmation and the write, as an administrator goes through them.
 */

const ROWS = 100_000;
const TARGET_S = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** The file: usernames unique to this run, with a user type, a group and a territory Roster has. */
function importFile(dataDir: string): string {
  const db = openDatabase(path.join(dataDir, 'roster.db'));
  const name = (table: string) =>
    db.get<{ name: string }>(sql`select name from ${sql.raw(table)} order by id limit 1`)?.name ?? '';
  const [userType, group, territory] = [name('user_types'), name('groups'), name('territories')];
  db.$client.close();
  const run = Date.now().toString(36);
  const lines = ['Username,First Name,Last Name,Email,User Type,Groups,Territory'];
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      `imp-${run}-${i},Ingrid${i % 97},Importson${i},imp-${run}-${i}@example.com,${userType},${group},${territory}`,
    );
  }
  return lines.join('\r\n') + '\r\n';
}

async function get(baseUrl: string, url: string, cookie: string) {
  const res = await fetch(baseUrl + url, { headers: { cookie }, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}

async function post(baseUrl: string, url: string, cookie: string, body: FormData | URLSearchParams) {
  const res = await fetch(baseUrl + url, { method: 'POST', headers: { cookie }, body, redirect: 'manual' });
  const location = res.headers.get('location');
  await res.arrayBuffer();
  if (res.status !== 303 || !location) throw new Error(`POST ${url} answered ${res.status}`);
  return location;
}

/** Asks for a page until it no longer shows progress (the check's or the job's), as the page itself does. */
async function whenDone(baseUrl: string, url: string, cookie: string) {
  for (;;) {
    const page = await get(baseUrl, url, cookie);
    if (!page.includes('hx-trigger="load delay:500ms"')) return page;
    await sleep(50);
  }
}

export interface ImportResult {
  seconds: number;
  line: string;
  missed: string[];
}

export async function measureImport(baseUrl: string, dataDir: string, cookie: string): Promise<ImportResult> {
  const csv = importFile(dataDir);
  const megabytes = Buffer.byteLength(csv) / 1024 / 1024;
  const token = tokenOf(await get(baseUrl, '/users/import', cookie));
  const form = new FormData();
  form.set('_csrf', token);
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'bench-import.csv');

  const started = performance.now();
  const columns = await post(baseUrl, '/users/import', cookie, form);
  const mappingPage = await get(baseUrl, columns, cookie);
  const choices = new URLSearchParams([
    ['_csrf', tokenOf(mappingPage)],
    ['mode', 'create'],
    ['matchOn', 'username'],
  ]);
  for (const [, name, field] of mappingPage.matchAll(
    /<select id="(column\d+)" name="column\d+"[^>]*>[\s\S]*?<option value="(\w*)" selected>/g,
  ))
    choices.set(name!, field!);
  const preview = await post(baseUrl, columns, cookie, choices);
  const previewPage = await whenDone(baseUrl, preview, cookie);
  const checked = performance.now();
  const usernames = /name="usernames" value="([^"]*)"/.exec(previewPage)?.[1];
  if (usernames === undefined) throw new Error('The import preview offers no confirmation: the file has problems');
  const job = await post(
    baseUrl,
    preview,
    cookie,
    new URLSearchParams([
      ['_csrf', tokenOf(previewPage)],
      ['usernames', usernames],
    ]),
  );
  const summary = await whenDone(baseUrl, job, cookie);
  const ended = performance.now();
  if (summary.includes('Not done.')) throw new Error('The import job failed');

  const seconds = (ended - started) / 1000;
  const line =
    `**CSV import of ${ROWS.toLocaleString('en')} new users** (${megabytes.toFixed(1)} MB, no passwords), from the upload to the job done: ` +
    `**${seconds.toFixed(1)} s** (upload, mapping and check ${((checked - started) / 1000).toFixed(1)} s; confirmation and write ${((ended - checked) / 1000).toFixed(1)} s) — ` +
    `target ≤ ${TARGET_S} s: ${seconds <= TARGET_S ? 'PASS' : 'FAIL'}`;
  return { seconds, line, missed: seconds <= TARGET_S ? [] : [`CSV import of ${ROWS.toLocaleString('en')} users`] };
}

/** `npx tsx bench/import.ts`: the import alone, on the bench database (BENCH_DATA_DIR, BENCH_USERS). */
async function main() {
  const options = benchOptions();
  await prepareDatabase(options);
  const server = await startServer(options.repoRoot, options.dataDir);
  try {
    const cookie = await signIn(server.baseUrl, options.credentials);
    const result = await measureImport(server.baseUrl, options.dataDir, cookie);
    console.log(result.line.replace(/\*\*/g, ''));
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(err instanceof Error ? `Bench failed: ${err.message}` : err);
    process.exitCode = 1;
  });
}
