import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/connection.js';
import { ensureBenchAdmin } from './admin.js';
import type { Credentials } from './config.js';
import { signIn } from './http.js';
import { drive } from './load.js';
import { watchMemory } from './memory.js';
import type { RunningServer } from './server.js';

/**
 * Bulk actions at scale: 100,000 users moved to another territory while another administrator
 * pages through the list, then the same users deleted to the trash and restored as a batch; and
 * every user exported to CSV (measureExport).
 * Each is timed end to end over HTTP: from the confirming post to the job page saying done.
 */

const BATCH = 100_000;
const HUMAN_RATE = 50;
const OTHER_ADMIN: Credentials = { username: 'bench-other', password: 'another correct horse battery staple' };

async function formToken(baseUrl: string, cookie: string): Promise<string> {
  const html = await (await fetch(`${baseUrl}/users`, { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

/** Posts a confirmed action and waits until its job page says it is finished; returns seconds and the page. */
async function timedJob(baseUrl: string, cookie: string, path: string, fields: [string, string][]) {
  const token = await formToken(baseUrl, cookie);
  const started = performance.now();
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['_csrf', token], ...fields]).toString(),
  });
  const jobUrl = res.headers.get('location');
  if (res.status !== 303 || !jobUrl) throw new Error(`POST ${path} answered ${res.status}`);
  for (;;) {
    const poll = await fetch(baseUrl + jobUrl, { headers: { cookie } });
    if (poll.status !== 200) throw new Error(`GET ${jobUrl} answered ${poll.status} while the job ran`);
    const page = await poll.text();
    if (!page.includes('hx-trigger="load delay:500ms"')) {
      if (page.includes('Not done.')) throw new Error(`${path}: the job failed`);
      const ended = performance.now();
      return { seconds: (ended - started) / 1000, started, ended, page };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A count from a finished job's summary, by its label. */
const countOf = (page: string, label: string) =>
  Number(new RegExp(`<dt>${label}</dt><dd>([\\d,]+)</dd>`).exec(page)?.[1]?.replace(/,/g, '') ?? NaN);
const changedCount = (page: string) => countOf(page, 'Changed');

export interface BulkResults {
  lines: string[];
  /** The bulk targets not met, in words. */
  missed: string[];
}

const UPDATE_TARGET_S = 5;
const TRASH_TARGET_S = 10;
const LIST_P95_TARGET_MS = 100;
const EXPORT_TARGET_S = 10;
const EXPORT_MEMORY_TARGET_MB = 300;
const MB = 1024 * 1024;

export async function measureBulk(
  server: RunningServer,
  dataDir: string,
  cookie: string,
  connections: number,
): Promise<BulkResults> {
  const { baseUrl } = server;
  const db = openDatabase(path.join(dataDir, 'roster.db'));
  await ensureBenchAdmin(db, OTHER_ADMIN);
  // The 100,000 users created first: an ad hoc "created before" filter selects exactly them.
  const cutoff = db.get<{ at: number }>(
    sql`select created_at as at from users where deleted_at is null and admin_role is null order by created_at limit 1 offset ${BATCH}`,
  )!.at;
  // Two territories, one per update, so the second changes everyone again.
  const territories = db.all<{ id: number; name: string }>(
    sql`select id, name from territories order by id desc limit 2`,
  );
  db.$client.close();
  const query = new URLSearchParams({
    field: 'created',
    op: 'before',
    value: new Date(cutoff).toISOString(),
  }).toString();
  const selection: [string, string][] = [
    ['all', '1'],
    ['query', query],
  ];

  const otherCookie = await signIn(baseUrl, OTHER_ADMIN);
  const lines: string[] = [];
  /** Moves the batch to a territory while the other administrator loads the first list page. */
  async function updateWhileListing(territory: { id: number; name: string }, rate?: number) {
    const load = drive(`${baseUrl}/users`, otherCookie, 12, connections, { overallRate: rate, fresh: true });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const update = await timedJob(baseUrl, cookie, '/users/bulk/update', [
      ...selection,
      ['territory', String(territory.id)],
    ]);
    const around = await load;
    // Only the responses that arrived while the job ran: the quiet seconds around it would
    // otherwise dilute what the job does to the pages.
    const during = around.between(update.started, update.ended);
    const listing =
      `while the job ran, ${during.requests.toLocaleString('en')} pages: p95 **${during.p95.toFixed(1)} ms** (target ≤ 100 ms), p50 ${during.p50.toFixed(1)} ms, p99 ${during.p99.toFixed(1)} ms; ` +
      `over the 12 s around it p95 ${around.p95.toFixed(1)} ms, ${Math.round(around.rps).toLocaleString('en')} req/s, ${around.non2xx + around.errors + around.timeouts} failures`;
    return { update, listing, p95: during.p95, changed: changedCount(update.page).toLocaleString('en') };
  }

  // A person at work asks for a few pages a second; 50 a second over 10 connections is generous.
  const paced = await updateWhileListing(territories[0]!, HUMAN_RATE);
  lines.push(
    `Bulk update, territory → ${territories[0]!.name}, of ${paced.changed} users (all matching “created before”): **${paced.update.seconds.toFixed(2)} s** end to end (target ≤ 5 s).`,
    `Meanwhile another administrator loads the first list page, ${HUMAN_RATE} pages a second over ${connections} connections: ${paced.listing}.`,
  );
  // The same with the other administrator's list driven as fast as the server answers: both
  // cores are then shared between that load and the update.
  const flat = await updateWhileListing(territories[1]!);
  lines.push(
    `Under a saturating list load instead (${connections} connections, no pause): the update of ${flat.changed} users took ${flat.update.seconds.toFixed(2)} s; list ${flat.listing}.`,
  );

  const deleted = await timedJob(baseUrl, cookie, '/users/bulk/apply', [...selection, ['action', 'delete']]);
  lines.push(
    `Bulk delete to the trash of ${changedCount(deleted.page).toLocaleString('en')} users (supervisors of users outside the batch are refused): **${deleted.seconds.toFixed(2)} s** (target ≤ 10 s).`,
  );
  // Restored as a person does it on the Trash page: "select all matching", then Restore. The
  // trash holds just this batch, so all matching is the batch; the summary's "Restore these"
  // link runs the same set-based job over the batch's moment of deletion.
  const restored = await timedJob(baseUrl, cookie, '/trash/bulk/apply', [
    ['action', 'restore'],
    ['all', '1'],
    ['query', ''],
  ]);
  lines.push(
    `Restoring that batch from the Trash (select all matching, Restore), ${changedCount(restored.page).toLocaleString('en')} users: **${restored.seconds.toFixed(2)} s** (target ≤ 10 s).`,
  );

  const missed = [
    paced.update.seconds > UPDATE_TARGET_S && 'bulk update',
    (paced.p95 > LIST_P95_TARGET_MS || flat.p95 > LIST_P95_TARGET_MS) && 'list during the bulk update',
    deleted.seconds > TRASH_TARGET_S && 'bulk delete',
    restored.seconds > TRASH_TARGET_S && 'restore',
  ].filter((m) => m !== false);
  return { lines, missed };
}

/**
 * Everyone, in the list's default columns and order, written to a file by a job, with the
 * server's own memory watched meanwhile: every process of it, without file-mapped pages. Run on
 * a server started for it, so the figure is the export's and not what the load before it left
 * in the serving processes (bench/run.ts says how much that is).
 */
export async function measureExport(server: RunningServer, cookie: string): Promise<BulkResults> {
  const before = watchMemory(server.processGroup).stop() / MB;
  const memory = watchMemory(server.processGroup);
  const exported = await timedJob(server.baseUrl, cookie, '/users/export', [['query', '']]);
  const peakMb = memory.stop() / MB;
  const lines = [
    `Export to CSV of all ${countOf(exported.page, 'Exported').toLocaleString('en')} users (default columns, by name), on a server started for it: **${exported.seconds.toFixed(2)} s** from the post to the file offered (target ≤ ${EXPORT_TARGET_S} s); ` +
      `the server's anonymous memory, all its processes together, peaked at **${peakMb.toFixed(0)} MB** (target ≤ ${EXPORT_MEMORY_TARGET_MB} MB; ${before.toFixed(0)} MB before the export).`,
  ];
  const missed = [
    exported.seconds > EXPORT_TARGET_S && 'export',
    peakMb > EXPORT_MEMORY_TARGET_MB && 'memory during the export',
  ].filter((m) => m !== false);
  return { lines, missed };
}
