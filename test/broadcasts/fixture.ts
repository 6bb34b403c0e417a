import type { FastifyInstance } from 'fastify';
import { addSuperuser, buildTestApp, Client } from '../helpers/app.js';
import { addUser } from '../helpers/directory.js';
import { startSmtpServer, useSmtpServer } from '../helpers/smtp.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A day ahead, on the minute, as the form's date and time fields take it (the admin's zone is UTC until chosen). */
export function tomorrowAtNine(now = new Date()) {
  const day = new Date(now.getTime() + 24 * 3_600_000).toISOString().slice(0, 10);
  return { sendDate: day, sendTime: '09:00', at: new Date(`${day}T09:00:00Z`) };
}

/** The form a person fills in, as pairs (ticked boxes repeat a name). */
export function broadcastFields(fields: Record<string, string | string[]>): [string, string][] {
  const all: Record<string, string | string[]> = {
    subject: 'Planned maintenance',
    body: 'Roster is down for an hour.',
    category: 'maintenance',
    audience: 'everyone',
    when: 'now',
    ...fields,
  };
  return Object.entries(all).flatMap(([name, value]) => [value].flat().map((v): [string, string] => [name, v]));
}

/**
 * A superuser signed in with mail going to a real SMTP server, and a small directory: in Sales,
 * Ann (an address) and Bo (none); Eve in Sales but inactive; Sid in Support.
 */
export async function broadcastTeam(t: Teardown) {
  const app = await buildTestApp(t);
  const admin = await addSuperuser(app);
  const smtp = await startSmtpServer(t);
  useSmtpServer(app, smtp.port, admin.id);
  const ann = addUser(app.db, {
    username: 'ann',
    firstName: 'Ann',
    lastName: 'Öberg',
    email: 'ann@example.com',
    groups: ['Sales'],
    teams: ['Blue'],
  });
  const bo = addUser(app.db, { username: 'bo', firstName: 'Bo', lastName: 'Berg', groups: ['Sales'] });
  const eve = addUser(app.db, {
    username: 'eve',
    firstName: 'Eve',
    lastName: 'Idle',
    email: 'eve@example.com',
    groups: ['Sales'],
    status: 'inactive',
  });
  const sid = addUser(app.db, {
    username: 'sid',
    firstName: 'Sid',
    lastName: 'Support',
    email: 'sid@example.com',
    groups: ['Support'],
  });
  const client = new Client(app);
  await client.signIn();
  return { app, admin, smtp, client, ann, bo, eve, sid };
}

/** The usernames a broadcast reached, sorted. */
export function recipientsOf(app: FastifyInstance, broadcastId: number): string[] {
  return (
    app.db.$client
      .prepare(
        `select u.username from broadcast_recipients r join users u on u.id = r.user_id where r.broadcast_id = ? order by u.username`,
      )
      .all(broadcastId) as { username: string }[]
  ).map((row) => row.username);
}

export function broadcastRow(app: FastifyInstance, id: number) {
  return app.db.$client.prepare('select * from broadcasts where id = ?').get(id) as {
    id: number;
    status: string;
    version: number;
    subject: string;
    recipient_count: number;
  };
}

export const lastBroadcastId = (app: FastifyInstance) =>
  (app.db.$client.prepare('select max(id) as id from broadcasts').get() as { id: number }).id;

export function auditDetails(app: FastifyInstance, action: string): string[] {
  return (
    app.db.$client.prepare('select detail from audit_entries where action = ? order by id').all(action) as {
      detail: string;
    }[]
  ).map((row) => row.detail);
}
