import { sql } from 'drizzle-orm';
import { EMAIL } from '../email-address.js';
import type { User } from '../db/schema.js';

/**
 * Where a user's mail goes: their email address, or, when that is empty and their username is
 * itself an address, the username (U2). Empty when the user cannot be reached by mail. The SQL
 * form says the same for bulk statements over the users table aliased `u`; the username there
 * was checked by the user form already, so its shape is enough.
 */
export function mailAddressOf(user: Pick<User, 'email' | 'username'>): string {
  if (user.email !== '') return user.email;
  return EMAIL.test(user.username) ? user.username : '';
}

export const MAIL_ADDRESS = sql`(case when u.email <> '' then u.email
  when u.username like '%_@_%._%' and u.username not like '% %' then u.username else '' end)`;

export const HAS_MAIL_ADDRESS = sql`${MAIL_ADDRESS} <> ''`;

/** The sign-in page a managed user is sent to, at the public address (never a request's Host). */
export const signInAddress = (externalUrl: string) => `${externalUrl}/login`;

/** An address as a mailto: URL carries it: percent-encoded, with the @ left readable. */
const inLink = (address: string) => encodeURIComponent(address).replaceAll('%40', '@');

/** A mailto: link to `to`, with `bcc` (when any) as blind copies. */
export function mailtoLink(to: string, bcc: string[] = []): string {
  const link = `mailto:${to === '' ? '' : inLink(to)}`;
  return bcc.length === 0 ? link : `${link}?bcc=${bcc.map(inLink).join(',')}`;
}
