import { type Selection, readSelection, selectionFields } from '../bulk/selection.js';
import type { Queryable } from '../db/connection.js';
import { wallClock, zonedInstant } from '../dates.js';
import { referenceLists } from '../reference/reference-lists.js';
import type { Audience, AudienceKind } from './audience.js';
import { type BroadcastCategory, isBroadcastCategory } from './categories.js';

/** The form as typed, kept whole so a form with a mistake comes back as it was. */
export interface BroadcastForm {
  subject: string;
  body: string;
  category: string;
  audience: string;
  groups: string[];
  teams: string[];
  /** The users-list selection the form carries in hidden fields, when it has one. */
  selection?: Selection;
  when: string;
  sendDate: string;
  sendTime: string;
}

/** A checked form: what is stored. */
export interface BroadcastInput {
  subject: string;
  body: string;
  category: BroadcastCategory;
  audience: Audience;
  sendAt: Date;
}

export type BroadcastErrors = Partial<Record<'subject' | 'body' | 'category' | 'audience' | 'when', string>>;

export const SUBJECT_MAX = 150;
export const BODY_MAX = 5_000;
/** Far enough ahead for any planned maintenance; further is more likely a typo in the year. */
const LATEST_MS = 366 * 24 * 3_600_000;

type Body = Record<string, unknown> | undefined;

/** Posted text, without NUL characters: they have no place in a message (and mark the recipient's name in its mail). */
const text = (value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '') : '');
const texts = (value: unknown) => [value ?? []].flat().map(String);

/** Reads the posted form; the selection, if any, travels in the same fields the bulk bar posts. */
export function readBroadcastForm(body: Body): BroadcastForm {
  const b = body ?? {};
  const selection = readSelection(b);
  return {
    subject: text(b.subject).replace(/\s+/g, ' ').trim(),
    // Line breaks typed in a textarea arrive as CRLF; the mail and the banner keep plain LF.
    body: text(b.body).replace(/\r\n?/g, '\n').trim(),
    category: text(b.category),
    audience: text(b.audience),
    groups: texts(b.groups),
    teams: texts(b.teams),
    selection: 'error' in selection ? undefined : selection,
    when: text(b.when) === 'later' ? 'later' : 'now',
    sendDate: text(b.sendDate).trim(),
    sendTime: text(b.sendTime).trim(),
  };
}

/** A blank form; with a selection from the users list, that selection is its audience. */
export function blankForm(selection?: Selection): BroadcastForm {
  return {
    subject: '',
    body: '',
    category: 'information',
    audience: selection ? 'selection' : 'everyone',
    groups: [],
    teams: [],
    selection,
    when: 'now',
    sendDate: '',
    sendTime: '',
  };
}

/** A stored broadcast as its edit form shows it, the send time in the reader's zone. */
export function formOf(
  stored: { subject: string; body: string; category: string; audience: Audience; sendAt: Date },
  zone: string,
): BroadcastForm {
  const { audience } = stored;
  const { day, time } = wallClock(stored.sendAt, zone);
  return {
    subject: stored.subject,
    body: stored.body,
    category: stored.category,
    audience: audience.kind,
    groups: audience.kind === 'groups' ? audience.ids.map(String) : [],
    teams: audience.kind === 'teams' ? audience.ids.map(String) : [],
    selection: audience.kind === 'selection' ? audience.selection : undefined,
    when: 'later',
    sendDate: day,
    sendTime: time,
  };
}

/** The hidden fields that keep a form's selection. */
export const formSelectionFields = (form: BroadcastForm) => (form.selection ? selectionFields(form.selection) : []);

function chosenIds(db: Queryable, list: 'groups' | 'teams', posted: string[]): number[] {
  const known = referenceLists(db)[list].byId;
  return [...new Set(posted.map(Number))].filter((id) => known.has(id));
}

function checkAudience(db: Queryable, form: BroadcastForm): Audience | string {
  const kind = form.audience as AudienceKind;
  if (kind === 'everyone') return { kind };
  if (kind === 'groups' || kind === 'teams') {
    const ids = chosenIds(db, kind, form[kind]);
    return ids.length > 0 ? { kind, ids } : `Tick at least one of the ${kind}.`;
  }
  if (kind === 'selection' && form.selection) return { kind, selection: form.selection };
  return 'Choose who receives the message.';
}

function checkSendTime(form: BroadcastForm, zone: string, now: Date): Date | string {
  if (form.when === 'now') return now;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.sendDate) || !/^\d{2}:\d{2}$/.test(form.sendTime)) {
    return 'Enter a date and a time, or choose “Send now”.';
  }
  const at = zonedInstant(form.sendDate, form.sendTime, zone);
  if (Number.isNaN(at)) return 'Enter a date and a time that exist, such as 2026-12-01 and 09:00.';
  if (at <= now.getTime()) return 'That time has passed: choose a later one, or “Send now”.';
  if (at > now.getTime() + LATEST_MS) return 'Choose a time within a year from now.';
  return new Date(at);
}

/** The form checked: what to store, or a message per field. */
export function checkBroadcastForm(
  db: Queryable,
  form: BroadcastForm,
  zone: string,
  now: Date,
): { input: BroadcastInput } | { errors: BroadcastErrors } {
  const errors: BroadcastErrors = {};
  if (form.subject === '') errors.subject = 'Enter a subject.';
  else if (form.subject.length > SUBJECT_MAX) errors.subject = `Keep the subject to ${SUBJECT_MAX} characters.`;
  if (form.body === '') errors.body = 'Enter the message.';
  else if (form.body.length > BODY_MAX)
    errors.body = `Keep the message to ${BODY_MAX.toLocaleString('en')} characters.`;
  if (!isBroadcastCategory(form.category)) errors.category = 'Choose a category.';
  const audience = checkAudience(db, form);
  if (typeof audience === 'string') errors.audience = audience;
  const sendAt = checkSendTime(form, zone, now);
  if (typeof sendAt === 'string') errors.when = sendAt;
  if (Object.keys(errors).length > 0 || typeof audience === 'string' || typeof sendAt === 'string') return { errors };
  return {
    input: {
      subject: form.subject,
      body: form.body,
      category: form.category as BroadcastCategory,
      audience,
      sendAt,
    },
  };
}
