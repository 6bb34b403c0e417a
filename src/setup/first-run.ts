import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random setup token, for the start-up message. */
export function newSetupToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * While no superuser exists, Roster accepts one random setup token — printed in the server log
 * at start-up — to create the first one. The token is kept only in memory and is spent when
 * used. With several worker processes each holds the same token, so `stillNeeded` asks the
 * database too: once any of them has created the superuser, the token is worthless everywhere.
 */
export class FirstRun {
  private token: string | null;

  constructor(
    token: string | null,
    private readonly stillNeeded: () => boolean,
  ) {
    this.token = token;
  }

  isPending(): boolean {
    if (this.token !== null && !this.stillNeeded()) this.token = null;
    return this.token !== null;
  }

  /** The token, for the start-up message and for tests; null once setup is done. */
  get setupToken(): string | null {
    return this.isPending() ? this.token : null;
  }

  accepts(candidate: unknown): boolean {
    if (!this.isPending() || typeof candidate !== 'string') return false;
    const expected = Buffer.from(this.token!);
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  complete(): void {
    this.token = null;
  }
}
