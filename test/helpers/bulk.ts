import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Client } from './app.js';

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
