import * as OTPAuth from 'otpauth';
import type { FastifyInstance } from 'fastify';
import type { Client } from '../helpers/app.js';

/** The key the app page shows for typing by hand, read as a person reads it. */
export function shownSecret(page: string): string {
  const match = /<code class="totp-secret" id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(page);
  if (!match) throw new Error('no authenticator key on the page');
  return match[1]!.replace(/ /g, '');
}

/** The code an authenticator app shows for the secret, `stepsAhead` time steps from now. */
export function appCode(secret: string, stepsAhead = 0): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + stepsAhead * 30_000 });
}

/** The recovery codes shown once after enrolment. */
export function shownRecoveryCodes(page: string): string[] {
  const match = /<pre class="recovery-codes"[^>]*>([\s\S]*?)<\/pre>/.exec(page);
  return match ? match[1]!.trim().split('\n') : [];
}

/**
 * Enrols an authenticator app through the pages under `base`, confirming with the current code.
 * Returns the secret and the recovery codes.
 */
export async function enrolApp(client: Client, base: string): Promise<{ secret: string; recovery: string[] }> {
  await client.get(base);
  const page = await client.post(`${base}/app`);
  const secret = shownSecret(page.body);
  const done = await client.post(`${base}/app/confirm`, { code: appCode(secret) });
  if (done.statusCode !== 200) throw new Error(`enrolment failed with ${done.statusCode}`);
  return { secret, recovery: shownRecoveryCodes(done.body) };
}

export const auditDetails = (app: FastifyInstance, action: string) =>
  app.db.$client
    .prepare(
      'select detail, target_name as target, actor_name as actor from audit_entries where action = ? order by id',
    )
    .all(action) as { detail: string; target: string; actor: string }[];
