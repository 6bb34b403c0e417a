import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Client } from './app.js';
import type { Db } from '../../src/db/connection.js';
import { addUser, referenceId, signedInWithAnnAndBoss } from './directory.js';

/** Follows a started job to its page once it has finished, as a person waiting on it would. */
export async function finishedJob(
  app: FastifyInstance,
  browser: Client,
  started: { statusCode: number; headers: Record<string, unknown> },
) {
  const location = String(started.headers.location ?? '');
  if (started.statusCode !== 303 || !location.startsWith('/jobs/')) {
    throw new Error(`expected a job to start, got ${started.statusCode} ${location}`);
  }
  const id = location.slice('/jobs/'.length);
  await app.jobs.runner.finished(id);
  const page = await browser.get(location);
  return { id, page, job: app.jobs.board.get(id)! };
}

/** The fields of the selection bar with these users ticked. */
export function ticked(action: string, ...ids: number[]): [string, string][] {
  return [['action', action], ...ids.map((id): [string, string] => ['id', String(id)])];
}

export function auditCount(app: FastifyInstance, action: string): number {
  return app.db.get<{ n: number }>(sql`select count(*) as n from audit_entries where action = ${action}`)!.n;
}

/**
 * The directory bulk tests work on: Ann (Sales) who reports to Bo, Cy Nordin (Iberia, Sales,
 * an email) and Di Åhlund (Nordics, Support); a superuser signed in on the users list.
 */
export async function bulkTeam(t: { teardown(fn: () => unknown): void }) {
  const ctx = await signedInWithAnnAndBoss(t);
  const cy = addUser(ctx.db, {
    username: 'cy',
    firstName: 'Cy',
    lastName: 'Nordin',
    email: 'cy@example.com',
    territory: 'Iberia',
    groups: ['Sales'],
  });
  const di = addUser(ctx.db, {
    username: 'di',
    firstName: 'Di',
    lastName: 'Åhlund',
    territory: 'Nordics',
    groups: ['Support'],
  });
  const nordics = referenceId(ctx.db, 'territories', 'Nordics');
  const sales = referenceId(ctx.db, 'groups', 'Sales');
  // The list page gives the token its forms carry, as a person starts from it.
  await ctx.browser.get('/users');
  return { ...ctx, cy, di, nordics, sales };
}

/** A user's row as stored, with SQL column names. */
export function storedUser(db: Db, id: number): Record<string, unknown> {
  return db.get<Record<string, unknown>>(sql`select * from users where id = ${id}`)!;
}
