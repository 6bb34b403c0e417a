import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * While no superuser exists, Roster accepts one random setup token — printed in the server log
 * at start-up — to create the first one. The token is kept only in memory and is spent when used.
 */
export class FirstRun {
  private token: string | null;

  constructor(setupNeeded: boolean) {
    this.token = setupNeeded ? randomBytes(24).toString('base64url') : null;
  }

  isPending(): boolean {
    return this.token !== null;
  }

  /** The token, for the start-up message and for tests; null once setup is done. */
  get setupToken(): string | null {
    return this.token;
  }

  accepts(candidate: unknown): boolean {
    if (this.token === null || typeof candidate !== 'string') return false;
    const expected = Buffer.from(this.token);
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  complete(): void {
    this.token = null;
  }
}
