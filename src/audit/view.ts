import type { DateWords } from '../dates.js';
import { changeWords } from './change-words.js';
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
  /** The instant, for the time element: machines read it, people read `when`. */
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

function shorten(text: string): string {
  return text.length > LONGEST_VALUE ? `${text.slice(0, LONGEST_VALUE - 1)}…` : text;
}

function changeLines(row: AuditRow, dates: DateWords): ChangeLine[] {
  return changeWords(row.action, row.changes, dates).map((full) => {
    const short = { before: shorten(full.before), after: shorten(full.after) };
    const cut = short.before !== full.before || short.after !== full.after;
    return { field: full.field, ...short, title: cut ? `${full.field}: ${full.before} → ${full.after}` : undefined };
  });
}

/**
 * Shapes an entry for the table. `linkable` holds the targets the reader may open; other names
 * stay plain text, as the user page would answer "not found".
 */
export function auditLine(row: AuditRow, linkable: ReadonlySet<number>, dates: DateWords): AuditLine {
  const iso = row.at.toISOString();
  const target = row.targetUserId;
  return {
    id: row.id,
    when: dates.exact(row.at),
    iso,
    actor: row.actorName || (row.actorId === null ? 'System' : `#${row.actorId}`),
    action: (AUDIT_ACTIONS as Record<string, string>)[row.action] ?? row.action,
    detail: row.detail,
    target: row.targetName || (target === null ? '' : `#${target}`),
    targetHref: target !== null && linkable.has(target) ? `/users/${target}` : undefined,
    changes: changeLines(row, dates),
    requestId: row.requestId,
  };
}
