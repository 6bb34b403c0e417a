import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Client } from './app.js';
import { referenceId, signedInWithAnnAndBoss } from './directory.js';
import { postMultipart } from './multipart.js';

/** Posts a file the way the import form does: multipart, the CSRF token first, then the file. */
export function uploadCsv(
  app: FastifyInstance,
  client: Client,
  data: Buffer | string,
  { filename = 'people.csv', csrf = true }: { filename?: string; csrf?: boolean } = {},
) {
  const file = { filename, type: 'text/csv', data: Buffer.isBuffer(data) ? data : Buffer.from(data) };
  return postMultipart(app, client, '/users/import', [], file, { csrf });
}

/**
 * A superuser on the import page, with Ann and Bo in the directory and the reference names an
 * import file uses: user types Employee and Contractor, groups Sales and Support, territory North.
 */
export async function importReady(t: { teardown(fn: () => unknown): void }) {
  const ctx = await signedInWithAnnAndBoss(t);
  for (const name of ['Employee', 'Contractor']) referenceId(ctx.db, 'user_types', name);
  for (const name of ['Sales', 'Support']) referenceId(ctx.db, 'groups', name);
  referenceId(ctx.db, 'territories', 'North');
  referenceId(ctx.db, 'roles', 'Agent');
  await ctx.browser.get('/users/import');
  return ctx;
}

/** The choices of the mapping page as it was last shown: each column's selected field, and the mode. */
export function mappingShown(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const select of page.matchAll(/<select id="(column\d+)" name="column\d+"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[select[1]!] = /<option value="([^"]*)" selected>/.exec(select[2]!)?.[1] ?? '';
  }
  fields.mode = /name="mode" value="(\w+)" checked/.exec(page)?.[1] ?? 'create';
  fields.matchOn = /<option value="(\w+)" selected>(Username|Email)<\/option>/.exec(page)?.[1] ?? 'username';
  return fields;
}

/** Waits for the check job of an upload, found by the job id kept with its choices. */
export async function checked(app: FastifyInstance, location: string) {
  const id = location.split('/')[3]!;
  const root = path.join(app.config.dataDir, 'imports');
  for (const folder of readdirSync(root)) {
    try {
      const { checkJobId } = JSON.parse(readFileSync(path.join(root, folder, `${id}.choices.json`), 'utf8')) as {
        checkJobId: string;
      };
      await app.jobs.runner.finished(checkJobId);
      return;
    } catch {
      // Another administrator's folder.
    }
  }
}

/** Posts the mapping page with its shown choices, changed by `choices`, and waits for the rows to be checked. */
export async function mapColumns(
  app: FastifyInstance,
  client: Client,
  location: string,
  choices: Record<string, string> = {},
) {
  const columnsUrl = `${location}/columns`;
  const shown = mappingShown((await client.get(columnsUrl)).body);
  const posted = await client.post(columnsUrl, { ...shown, ...choices });
  if (posted.statusCode !== 303) return { posted, page: posted };
  await checked(app, location);
  return { posted, page: await client.get(location) };
}

/**
 * Uploads a file, keeps the columns as recognised (with `choices` changed), and follows on to
 * its preview once the rows are checked.
 */
export async function previewOf(
  app: FastifyInstance,
  client: Client,
  data: Buffer | string,
  choices: Record<string, string> = {},
) {
  const uploaded = await uploadCsv(app, client, data);
  const columns = String(uploaded.headers.location ?? '');
  if (uploaded.statusCode !== 303) return { uploaded, location: columns, page: uploaded };
  const location = columns.replace(/\/columns$/, '');
  const { page } = await mapColumns(app, client, location, choices);
  return { uploaded, location, page };
}

/** Confirms an import as the preview's button does: with the usernames the last page showed. */
export function confirmImport(client: Client, location: string) {
  const usernames = /name="usernames" value="([^"]*)"/.exec(client.lastPage)?.[1] ?? '';
  return client.post(location, { usernames });
}

/** The preview as it is now: checked again when an import forgot it, once that check is done. */
export async function previewNow(app: FastifyInstance, client: Client, location: string) {
  await client.get(location);
  await checked(app, location);
  return client.get(location);
}
