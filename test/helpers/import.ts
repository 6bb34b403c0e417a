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

/** Uploads a file and follows the redirect to its preview. */
export async function previewOf(app: FastifyInstance, client: Client, data: Buffer | string) {
  const uploaded = await uploadCsv(app, client, data);
  const location = String(uploaded.headers.location ?? '');
  if (uploaded.statusCode !== 303) return { uploaded, location, page: uploaded };
  return { uploaded, location, page: await client.get(location) };
}

/** Confirms an import as the preview's button does: with the usernames the last page showed. */
export function confirmImport(client: Client, location: string) {
  const usernames = /name="usernames" value="([^"]*)"/.exec(client.lastPage)?.[1] ?? '';
  return client.post(location, { usernames });
}
