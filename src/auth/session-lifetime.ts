import type { Session } from 'fastify';
import type { Config } from '../config.js';

/** lastSeenAt is refreshed at most this often, so a busy page does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

/** The idle and absolute timeouts of a signed-in session: one rule for the console and the portal. */
export function sessionTimedOut(
  session: Pick<Session, 'createdAt' | 'lastSeenAt'>,
  config: Pick<Config, 'sessionIdleMinutes' | 'sessionMaxHours'>,
  now = Date.now(),
): boolean {
  const idle = now - (session.lastSeenAt ?? 0) > config.sessionIdleMinutes * 60_000;
  const tooOld = now - (session.createdAt ?? 0) > config.sessionMaxHours * 3_600_000;
  return idle || tooOld;
}

/** Marks the session as used; the store moves its idle deadline when it is saved. */
export function touchSession(session: Session, now = Date.now()): void {
  if (now - (session.lastSeenAt ?? 0) > TOUCH_EVERY_MS) session.lastSeenAt = now;
}
