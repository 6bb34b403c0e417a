import { sql } from 'drizzle-orm';
import type { Actor } from '../access/actor.js';
import { mayChangeAccess, mayEmail, protections } from '../access/policy.js';
import type { Queryable } from '../db/connection.js';
import { oneRow } from '../db/statements.js';
import type { Rule } from '../bulk/refusals.js';
import { BULK_IDS, IN_BULK } from '../bulk/selection.js';
import { HAS_MAIL_ADDRESS, mailAddressOf, mailtoLink } from './recipient.js';

/**
 * The actions that mail the selected users (M1): offered only once mail is set up, and only to
 * an administrator with the email permission. Each mails every selected user who has an
 * address, one message each, and skips the others, saying how many.
 */
export const MAIL_ACTIONS = {
  'mail-details': {
    choice: 'Email details…',
    title: 'Email sign-in details',
    verb: 'Email details to',
    running: 'Emailing sign-in details',
    done: 'will get their sign-in details by email',
    audit: 'Sign-in details sent by email',
    alsoNeeds: undefined,
  },
  'mail-link': {
    choice: 'Send set-password link…',
    title: 'Send set-password links',
    verb: 'Send a set-password link to',
    running: 'Sending set-password links',
    done: 'will get a set-password link by email',
    audit: 'Set-password link sent by email',
    // A link lets its holder choose the password: the same permission as any password change.
    alsoNeeds: mayChangeAccess,
  },
  'mail-welcome': {
    choice: 'Resend welcome…',
    title: 'Resend the welcome mail',
    verb: 'Send the welcome mail to',
    running: 'Sending welcome mails',
    done: 'will get the welcome mail again',
    audit: 'Welcome mail sent again',
    alsoNeeds: undefined,
  },
} as const;

export type MailActionName = keyof typeof MAIL_ACTIONS;

/** Compose opens the administrator's own mail program: nothing is sent, so it is no job. */
export const COMPOSE = 'compose';

export const isMailAction = (action: string): action is MailActionName => Object.hasOwn(MAIL_ACTIONS, action);

export function mayMail(actor: Actor, action: string): boolean {
  if (!mayEmail(actor)) return false;
  if (action === COMPOSE) return true;
  return isMailAction(action) && (MAIL_ACTIONS[action].alsoNeeds?.(actor) ?? true);
}

/** The selection bar's mail choices, after the other actions. */
export function mailActionChoices(actor: Actor, mailReady: boolean): [string, string][] {
  if (!mailReady) return [];
  const all: [string, string][] = [
    ...Object.entries(MAIL_ACTIONS).map(([name, spec]): [string, string] => [name, spec.choice]),
    [COMPOSE, 'Compose email…'],
  ];
  return all.filter(([action]) => mayMail(actor, action));
}

/**
 * Who an action leaves alone whatever their address: a link or an invitation opens the account,
 * so they obey the rules of a password change (not your own, not an administrator's unless you
 * are a superuser). Details carry no secret and go to anyone in scope.
 */
export function mailRules(actor: Actor, action: MailActionName): Rule[] {
  return action === 'mail-details' ? [] : protections(actor, 'password', BULK_IDS);
}

/** How many selected users (in bulk_ids) have no address to mail: they are skipped. */
export function withoutAddress(db: Queryable): number {
  return oneRow<{ n: number }>(db, sql`select count(*) as n from users u where ${IN_BULK} and not ${HAS_MAIL_ADDRESS}`)!
    .n;
}

/**
 * The mail actions of one user's page, or undefined when none is offered (mail not set up, or
 * no email permission). `address` is empty when the user has no address: the page says so
 * instead of offering actions that would send nothing.
 */
export function userMailActions(
  actor: Actor,
  mailReady: boolean,
  user: { email: string; username: string },
  /** No protection stands in the way of a password change for this user (see mailRules). */
  opensAccount: boolean,
) {
  if (!mailReady || !mayEmail(actor)) return undefined;
  const address = mailAddressOf(user);
  return {
    address,
    mailto: address === '' ? '' : mailtoLink(address),
    link: opensAccount && mayMail(actor, 'mail-link'),
    welcome: opensAccount,
  };
}
