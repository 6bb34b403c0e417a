import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

export class TooManyRequestsError extends Error {
  readonly statusCode = 429;
}

/** Limits for the forms anyone can post without a session: sign-in, setup, and their kin. */
export function formPostLimit(config: Config) {
  return { max: config.signinRateLimitPerMinute, timeWindow: 60_000 };
}

/** Rate limiting is opt-in per route (`config.rateLimit`), for the unauthenticated form posts. */
export default fp(async (app) => {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(`Too many attempts. Wait ${context.after} and try again.`),
  });
});
