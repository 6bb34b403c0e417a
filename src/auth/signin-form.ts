import type { FastifyRequest } from 'fastify';
import type { User } from '../db/schema.js';
import { authenticate, type SigninOptions } from './signin.js';

/** The one message every refused sign-in gets, in the console and in the portal alike. */
export const SIGNIN_REFUSED = 'The username or password is incorrect, or the account cannot sign in.';

/** What the sign-in pages say when sent there with a reason (?reason=…). */
export const SIGNIN_NOTICES: Record<string, string> = {
  expired: 'Your session has ended. Sign in again to continue.',
  'signed-out': 'You have signed out.',
  'code-expired': 'The time to enter your code ran out. Sign in again.',
};

export interface SigninForm {
  username?: string;
  password?: string;
  next?: string;
}

/**
 * Checks a posted sign-in form, counting failures per account and client address. Returns the username as typed (the
 * refused form shows it again) and the user when the credentials are good.
 */
export async function checkSigninForm(
  request: FastifyRequest<{ Body: SigninForm }>,
  audience: SigninOptions['audience'],
): Promise<{ username: string; user?: User }> {
  const { config, db } = request.server;
  const username = String(request.body?.username ?? '').slice(0, 320);
  const password = String(request.body?.password ?? '');
  const throttle = {
    perAddress: config.lockoutThreshold,
    perAccount: config.lockoutAccountLimit,
    windowMs: config.lockoutWindowMinutes * 60_000,
  };
  const result = await authenticate(db, throttle, username, password, {
    audience,
    address: request.ip,
    requestId: request.id,
  });
  return { username, user: result.ok ? result.user : undefined };
}

/**
 * Starts a signed-in session: a new session id, so an id planted before sign-in is worthless
 * afterwards, and the start of both timeouts. Returns the moment it started.
 */
export async function startSession(request: FastifyRequest, key: 'userId' | 'accountId', id: number): Promise<number> {
  await request.session.regenerate();
  const now = Date.now();
  request.session[key] = id;
  request.session.createdAt = now;
  request.session.lastSeenAt = now;
  return now;
}
