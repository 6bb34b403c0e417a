import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import { prepared } from '../db/statements.js';
import type { Sealer } from '../sealed.js';
import { readDirectoryConnection } from './directory-settings.js';
import { readDirectoryRows } from './import-rows.js';
import { applySyncPlan, linkedUsers, SYNC_ACTOR_NAME, takenUsernames } from './sync-apply.js';
import { claimDueSync, claimSyncNow, releaseSync } from './sync-claim.js';
import { changedShare, planSync } from './sync-plan.js';
import { createNewUsers } from './sync-create.js';
import { keptImportChoices } from './import-choices.js';

/** How a run ended, kept for the settings page and written to the audit log. */
export interface SyncOutcome {
  result: 'applied' | 'stopped' | 'failed';
  at: number;
  /** New entries' users (absent from runs before the sync created users). */
  created?: number;
  updated: number;
  deactivated: number;
  unchanged: number;
  notInRoster: number;
  problems: number;
  /** Share of linked users the run changes (or would have), in per cent. */
  share: number;
  allowed: number;
  error?: string;
  /** A few of the problems, for the page. */
  examples?: { line: string; errors: string[] }[];
}

const LAST_RUN_KEY = 'directory.sync.last';
/** What the users a run creates carry as their request reference in the audit log. */
const SYNC_REQUEST_ID = 'directory-sync';
const EXAMPLES = 5;

export function lastSyncOutcome(db: Queryable): SyncOutcome | undefined {
  const row = prepared(db, 'select value from settings where key = ?').get(LAST_RUN_KEY) as
    { value: string } | undefined;
  return row ? (JSON.parse(row.value) as SyncOutcome) : undefined;
}

function keepOutcome(db: Queryable, outcome: SyncOutcome): void {
  prepared(
    db,
    `insert into settings (key, value, updated_at) values (?, ?, ?)
     on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`,
  ).run(LAST_RUN_KEY, JSON.stringify(outcome), outcome.at);
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The run's counts in words, for its audit entry. */
export function outcomeWords(o: SyncOutcome): string {
  if (o.result === 'failed') return `Nothing was changed: ${o.error}`;
  const counts = `${count(o.created ?? 0, 'user')} created, ${count(o.updated, 'user')} updated, ${count(o.deactivated, 'user')} deactivated, ${o.unchanged.toLocaleString('en')} unchanged, ${count(o.notInRoster, 'entry', 'entries')} not in Roster yet, ${count(o.problems, 'problem')}`;
  if (o.result === 'stopped')
    return `Stopped before changing anything: it would change ${o.share.toFixed(1)} % of the users from the directory, more than the ${o.allowed} % allowed without confirmation (${counts}).`;
  return `Applied: ${counts}.`;
}

export interface RunOptions {
  /** A person confirmed a run above the allowed share. */
  confirmed?: boolean;
  /** Who asked for this run, when a person did (a scheduled run has no one). */
  by?: { id: number; name: string };
  now?: () => Date;
}

/**
 * One sync run, for whoever holds the claim: read the whole directory (a page at a time),
 * turn the entries into rows, plan the changes and, unless they exceed the allowed share and
 * nobody confirmed them, apply them and audit the run in one transaction. A directory error
 * writes nothing but the run's own audit entry.
 */
export async function runSync(db: Db, sealer: Sealer, options: RunOptions = {}): Promise<SyncOutcome> {
  const clock = options.now ?? (() => new Date());
  const outcome: SyncOutcome = {
    result: 'failed',
    at: clock().getTime(),
    created: 0,
    updated: 0,
    deactivated: 0,
    unchanged: 0,
    notInRoster: 0,
    problems: 0,
    share: 0,
    allowed: 0,
  };
  const finish = (tx: Queryable) => {
    outcome.at = clock().getTime();
    keepOutcome(tx, outcome);
    recordAudit(
      tx,
      {
        action: 'directory.sync',
        actor: options.by ?? { id: null, name: SYNC_ACTOR_NAME },
        detail: outcomeWords(outcome),
      },
      new Date(outcome.at),
    );
  };
  const fail = (error: string) => {
    outcome.error = error;
    db.transaction((tx) => finish(tx), { behavior: 'immediate' });
    return outcome;
  };

  let settings;
  try {
    settings = readDirectoryConnection(db, sealer);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (!settings) return fail('No directory is set up.');
  outcome.allowed = settings.syncMaxChangePercent;
  let rows;
  try {
    rows = await readDirectoryRows(db, settings);
  } catch (err) {
    return fail((err as Error).message);
  }

  db.transaction(
    (tx) => {
      const linked = linkedUsers(tx);
      const names = rows.map((row) => row.values.username ?? '').filter((name) => name !== '');
      const plan = planSync(rows, linked, {
        deactivateMissing: settings.syncDeactivateMissing,
        takenUsernames: takenUsernames(tx, names),
      });
      // Entries nobody is linked to yet are created, once an import from the directory chose how.
      const linkedIds = new Set(linked.map((user) => user.directoryId));
      const newRows = rows.filter((row) => row.errors.length === 0 && !linkedIds.has(row.directoryId));
      const creating = keptImportChoices(tx) ? newRows.length : 0;
      outcome.share = changedShare(plan, creating);
      outcome.unchanged = plan.unchanged;
      outcome.notInRoster = plan.notInRoster;
      outcome.updated = plan.updates.length;
      outcome.deactivated = plan.deactivations.length;
      outcome.problems = plan.problems.length;
      if (outcome.share > settings.syncMaxChangePercent && !options.confirmed) {
        outcome.result = 'stopped';
      } else {
        const { kept } = applySyncPlan(tx, plan, clock());
        for (const user of kept)
          plan.problems.push({
            line: user.name,
            errors: ['Kept active: the last active superuser is never taken away.'],
          });
        const made = createNewUsers(tx, newRows, settings.attributeMap, SYNC_REQUEST_ID, clock());
        outcome.created = made.created;
        outcome.updated += made.linked;
        outcome.notInRoster = newRows.length - made.created - made.linked;
        plan.problems.push(...made.problems);
        if (made.notCreated && newRows.length > 0)
          plan.problems.push({
            line: `${count(newRows.length, 'new entry', 'new entries')}`,
            errors: [made.notCreated],
          });
        outcome.problems = plan.problems.length;
        outcome.result = 'applied';
      }
      outcome.examples = plan.problems.slice(0, EXAMPLES);
      finish(tx);
    },
    { behavior: 'immediate' },
  );
  return outcome;
}

/** Looks for a due run every minute in every serving process; the claim lets only one run it. */
const POLL_MS = 60_000;

export class DirectorySync {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(everyMs = POLL_MS): void {
    this.timer ??= setInterval(() => void this.runIfDue(), everyMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Resolves once no run of this process is under way. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Runs the scheduled sync when it is due and this process wins the claim. */
  runIfDue(now = new Date()): Promise<SyncOutcome | undefined> {
    const claimId = randomUUID();
    if (!claimDueSync(this.db, claimId, now)) return Promise.resolve(undefined);
    return this.track(claimId, {});
  }

  /** A run asked for from the page; undefined when another run is under way. */
  runNow(options: RunOptions, now = new Date()): Promise<SyncOutcome> | undefined {
    const claimId = randomUUID();
    if (!claimSyncNow(this.db, claimId, now)) return undefined;
    return this.track(claimId, options);
  }

  private track(claimId: string, options: RunOptions): Promise<SyncOutcome> {
    const run = runSync(this.db, this.sealer, options)
      .then((outcome) => {
        this.log.info({ result: outcome.result, updated: outcome.updated }, 'directory sync finished');
        return outcome;
      })
      .finally(() => {
        releaseSync(this.db, claimId, new Date());
        if (this.running === run) this.running = undefined;
      });
    this.running = run.catch((err: unknown) => this.log.error({ err }, 'directory sync failed'));
    return run;
  }
}
