import { type Actor, activeAdministrator } from '../../src/access/actor.js';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { sessions } from '../../src/db/schema.js';
import { createFirstSuperuser } from '../../src/setup/first-admin.js';

/** The smallest shape of a tap test this helper needs: somewhere to register clean-up. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseFile: path.join(dataDir, 'roster.db'),
    sessionSecret: 'test-secret-that-is-long-enough-for-signing',
    logLevel: 'silent',
    trustProxy: false,
    sessionIdleMinutes: 30,
    sessionMaxHours: 12,
    lockoutThreshold: 10,
    lockoutAccountLimit: 100,
    lockoutWindowMinutes: 15,
    passwordMinLength: 12,
    signinRateLimitPerMinute: 1000,
    workers: 1,
    trashDays: 30,
    importMaxRows: 200_000,
    importMaxMegabytes: 50,
    jobProcessMegabytes: 100,
    ...overrides,
  };
}

export function tempDir(t: Teardown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'roster-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real application on a fresh SQLite file of its own, closed when the test ends. */
export async function buildTestApp(
  t: Teardown,
  overrides: Partial<Config> = {},
  logStream?: Writable,
): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(tempDir(t), overrides), { logStream });
  t.teardown(() => app.close());
  return app;
}

export const ADMIN_PASSWORD = 'correct horse battery staple';

export async function addSuperuser(app: FastifyInstance, username = 'admin'): Promise<Actor> {
  const user = await createFirstSuperuser(app.db, {
    username,
    fullName: 'Ada Admin',
    email: `${username}@example.com`,
    password: ADMIN_PASSWORD,
    passwordConfirmation: ADMIN_PASSWORD,
  });
  app.firstRun.complete();
  return activeAdministrator(app.db, user.id)!;
}

/**
 * A browser stand-in over app.inject: keeps cookies, and reads the CSRF token from the last
 * page it was shown, so tests post forms the way a person does.
 */
export class Client {
  private cookies = new Map<string, string>();
  csrfToken = '';
  lastPage = '';

  constructor(private readonly app: FastifyInstance) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(
      await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader, ...headers } }),
    );
  }

  /**
   * Posts a form; the CSRF token of the last page is included unless the fields say otherwise.
   * Fields given as pairs may repeat a name, as ticked check boxes do.
   */
  async post(
    url: string,
    fields: Record<string, string> | [string, string][] = {},
    headers: Record<string, string> = {},
  ) {
    const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
    const hasToken = pairs.some(([name]) => name === '_csrf');
    const body = new URLSearchParams([...(hasToken ? [] : [['_csrf', this.csrfToken]]), ...pairs]).toString();
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader, ...headers },
      }),
    );
  }

  async signIn(username = 'admin', password = ADMIN_PASSWORD): Promise<LightMyRequestResponse> {
    await this.get('/signin');
    return this.post('/signin', { username, password });
  }

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of response.cookies as { name: string; value: string; expires?: Date }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body);
    if (token?.[1]) this.csrfToken = token[1];
    if (response.headers['content-type']?.toString().startsWith('text/html')) this.lastPage = response.body;
    return response;
  }
}

/** Rewrites a user's stored session as if time had passed, the way the store would see it later. */
export function ageSession(app: FastifyInstance, userId: number, change: Record<string, number>): void {
  const row = app.db.select().from(sessions).where(eq(sessions.userId, userId)).get()!;
  const data = { ...JSON.parse(row.data), ...change };
  app.db
    .update(sessions)
    .set({ data: JSON.stringify(data) })
    .where(eq(sessions.sid, row.sid))
    .run();
}
