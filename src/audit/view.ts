import { FIELD_LABELS } from '../user/user-writes.js';
import { AUDIT_ACTIONS } from './record.js';
import type { AuditRow } from './repository.js';

/** One change as the table shows it; the template escapes every part. */
export interface ChangeLine {
  field: string;
  before: string;
  after: string;
  /** The whole values when they were shortened for the table. */
  title?: string;
}

/** One entry ready for the template: plain strings, escaped when rendered. */
export interface AuditLine {
  id: number;
  when: string;
  /** The full timestamp, for the cell's title and the time element. */
  iso: string;
  actor: string;
  action: string;
  detail: string;
  target: string;
  targetHref?: string;
  changes: ChangeLine[];
  requestId: string;
}

const LONGEST_VALUE = 80;

/** A recorded value as a person reads it: lists joined, yes/no, and a dash for nothing. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map((v) => valueText(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function shorten(text: string): string {
  return text.length > LONGEST_VALUE ? `${text.slice(0, LONGEST_VALUE - 1)}…` : text;
}

function changeLines(changes: AuditRow['changes']): ChangeLine[] {
  return Object.entries(changes ?? {}).map(([key, pair]) => {
    const [before, after] = Array.isArray(pair) ? pair : [undefined, pair];
    const field = FIELD_LABELS[key] ?? key;
    const full = { before: valueText(before), after: valueText(after) };
    const short = { before: shorten(full.before), after: shorten(full.after) };
    const cut = short.before !== full.before || short.after !== full.after;
    return { field, ...short, title: cut ? `${field}: ${full.before} → ${full.after}` : undefined };
  });
}

/**
 * Shapes an entry for the table. `linkable` holds the targets the reader may open; other names
 * stay plain text, as the user page would answer "not found".
 */
export function auditLine(row: AuditRow, linkable: ReadonlySet<number>): AuditLine {
  const iso = row.at.toISOString();
  const target = row.targetUserId;
  return {
    id: row.id,
    when: `${iso.slice(0, 10)} ${iso.slice(11, 19)}`,
    iso,
    actor: row.actorName || (row.actorId === null ? 'System' : `#${row.actorId}`),
    action: (AUDIT_ACTIONS as Record<string, string>)[row.action] ?? row.action,
    detail: row.detail,
    target: row.targetName || (target === null ? '' : `#${target}`),
    targetHref: target !== null && linkable.has(target) ? `/users/${target}` : undefined,
    changes: changeLines(row.changes),
    requestId: row.requestId,
  };
}
