import { sql } from 'drizzle-orm';
import type { Actor } from '../access/actor.js';
import { resolveSelection, IN_BULK, type Selection } from '../bulk/selection.js';
import type { Db } from '../db/connection.js';
import { allRows, oneRow } from '../db/statements.js';
import { withoutAddress } from './mail-actions.js';
import { HAS_MAIL_ADDRESS, MAIL_ADDRESS, mailAddressOf, mailtoLink } from './recipient.js';

/**
 * Compose email (M3): the selected users' addresses for the administrator's own mail program,
 * in BCC so recipients never see each other. Nothing is sent by Roster, so nothing is queued
 * or audited.
 */

/** More addresses than this are not a mail to write by hand but a broadcast. */
export const COMPOSE_CAP = 5_000;

/** Mail programs and browsers start cutting mailto: links at about this length. */
export const MAILTO_LIMIT = 2_000;

export interface Composition {
  selected: number;
  /** Selected users with no address, left out. */
  skipped: number;
  /** How many addresses there are, even over the cap. */
  reachable: number;
  /** Each address once, sorted; empty over the cap. */
  addresses: string[];
  overCap: boolean;
  /** The mailto: link, when it is short enough for mail programs to take. */
  mailto?: string;
}

export function compose(db: Db, actor: Actor, selection: Selection): Composition {
  return db.transaction((tx) => {
    const selected = resolveSelection(tx, actor, selection);
    const skipped = withoutAddress(tx);
    const reachable = oneRow<{ n: number }>(
      tx,
      sql`select count(distinct ${MAIL_ADDRESS}) as n from users u where ${IN_BULK} and ${HAS_MAIL_ADDRESS}`,
    )!.n;
    const overCap = reachable > COMPOSE_CAP;
    const addresses = overCap
      ? []
      : allRows<{ address: string }>(
          tx,
          sql`select distinct ${MAIL_ADDRESS} as address from users u where ${IN_BULK} and ${HAS_MAIL_ADDRESS} order by 1`,
        ).map((row) => row.address);
    // The administrator's own address as the recipient, so the mail program has someone in To.
    const mailto = addresses.length > 0 ? mailtoLink(mailAddressOf(actor), addresses) : undefined;
    return {
      selected,
      skipped,
      reachable,
      addresses,
      overCap,
      mailto: mailto && mailto.length <= MAILTO_LIMIT ? mailto : undefined,
    };
  });
}
