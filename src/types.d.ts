import type { Db } from './db/connection.js';
import type { Config } from './config.js';
import type { User } from './db/schema.js';
import type { FirstRun } from './setup/first-run.js';

/** What every template can use, besides its own data. */
export interface ViewLocals {
  path: string;
  requestId: string;
  actor?: User;
  csrf: () => string;
  flash: () => Flash[];
}

export interface Flash {
  kind: 'success' | 'error' | 'info';
  text: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: Config;
    firstRun: FirstRun;
  }
  interface FastifyRequest {
    /** The signed-in administrator; set on every route behind the sign-in guard. */
    actor: User;
  }
  interface FastifyReply {
    locals?: ViewLocals;
    flash(kind: Flash['kind'], text: string): void;
  }
  interface Session {
    userId?: number;
    createdAt?: number;
    lastSeenAt?: number;
    flash?: Flash[];
  }
}
