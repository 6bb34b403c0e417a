import type { FastifyRequest } from 'fastify';
import type { User } from '../db/schema.js';
import { queueCodeMail } from './code-mail.js';

/** How long after the password the code may be entered; then the sign-in starts again. */
export const PENDING_LIFETIME_MS = 10 * 60_000;

export type SigninAudience = 'admin' | 'account';

/** Where each sign-in asks for the code. */
export const SECOND_STEP_PAGES: Record<SigninAudience, string> = {
  admin: '/signin/two-step',
  account: '/login/two-step',
};

/**
 * A sign-in whose password was right, kept in the not-yet-signed-in session. It grants nothing:
 * both guards look only at userId and accountId, which are set, on a new session id, once the
 * code is accepted.
 */
export interface PendingSecondStep {
  userId: number;
  audience: SigninAudience;
  /** Where to go once signed in, already checked as a path on this site. */
  next: string;
  until: number;
}

/**
 * Starts the second step for an account with a method enrolled: remembers the sign-in, mails a
 * code when that is the method, and returns the page that asks for it.
 */
export function beginSecondStep(request: FastifyRequest, user: User, audience: SigninAudience, next: string): string {
  const now = new Date();
  request.session.twoStep = { userId: user.id, audience, next, until: now.getTime() + PENDING_LIFETIME_MS };
  if (user.twoStepMethod === 'email') sendSigninCode(request, user, now);
  return SECOND_STEP_PAGES[audience];
}

/** Queues a sign-in code and has it sent at once; false when mail cannot carry it. */
export function sendSigninCode(request: FastifyRequest, user: User, now = new Date()): boolean {
  const { db, mail } = request.server;
  const queued = db.transaction((tx) => queueCodeMail(tx, mail.outbox, user, 'signin', now), { behavior: 'immediate' });
  if (queued) mail.sender.wake();
  return queued;
}

/** The sign-in waiting for its code on this page, if it has not run out. */
export function pendingFor(
  request: FastifyRequest,
  audience: SigninAudience,
  now = Date.now(),
): PendingSecondStep | undefined {
  const pending = request.session.twoStep;
  return pending && pending.audience === audience && pending.until > now ? pending : undefined;
}
