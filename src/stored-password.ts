import type { Sealer } from './sealed.js';

/**
 * A password Roster keeps to use on someone's behalf (the SMTP server's, the directory's bind
 * password): sealed at rest, never shown back, and changed through a form whose blank field
 * keeps it. The mail and the directory settings share these rules.
 */

/** What to do with the stored password: a form left blank keeps it. */
export type PasswordChange = { keep: true } | { set: string } | { clear: true };

/** The form's two controls, a new password and "clear the stored one", as a change; an error when both are used. */
export function passwordChangeOf(form: { password: string; clearPassword: boolean }): {
  change: PasswordChange;
  error?: string;
} {
  if (form.password !== '' && form.clearPassword)
    return { change: { keep: true }, error: 'Either enter a new password or clear the stored one, not both.' };
  if (form.password !== '') return { change: { set: form.password } };
  return { change: form.clearPassword ? { clear: true } : { keep: true } };
}

/** Whether a password will be stored once the change is saved. */
export const willHavePassword = (change: PasswordChange, hasPassword: boolean): boolean =>
  'set' in change || ('keep' in change && hasPassword);

/** What to store after the change: the new password sealed, nothing, or what was stored. */
export function sealedAfter(sealer: Sealer, change: PasswordChange, stored: Buffer | null | undefined): Buffer | null {
  if ('set' in change) return sealer.seal(change.set);
  return 'clear' in change ? null : (stored ?? null);
}

/** The stored password opened, '' when there is none; `unreadable` when the session secret it was sealed under changed. */
export function openPassword(sealer: Sealer, sealed: Buffer | null, unreadable: () => Error): string {
  if (!sealed) return '';
  try {
    return sealer.open(sealed) as string;
  } catch {
    throw unreadable();
  }
}

/** The change as the audit log tells it, never the password: none → set, set → changed, set → cleared. */
export function passwordAuditChange(change: PasswordChange, hadPassword: boolean): [string, string] | undefined {
  if ('set' in change) return [hadPassword ? 'set' : 'none', hadPassword ? 'changed' : 'set'];
  if ('clear' in change && hadPassword) return ['set', 'cleared'];
  return undefined;
}
