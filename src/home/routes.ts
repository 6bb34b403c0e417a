import { and, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connection.js';
import { oneRow } from '../db/statements.js';
import { type ListQuery, listUrl, parseListQuery } from '../list/list-query.js';
import { filterZone, listConditions, type MatchCount } from '../list/list-repository.js';
import { countUsers } from '../list/list-service.js';
import type { Actor } from '../access/actor.js';

const TILES = [
  { label: 'Users', note: 'you administer', params: {}, canSignIn: false },
  { label: 'Active', note: 'can sign in', params: { status: 'active' }, canSignIn: true },
  { label: 'Inactive', note: 'cannot sign in', params: { status: 'inactive' }, canSignIn: false },
];

/**
 * Of the users a query matches, those who cannot sign in though active: blocked, or locked after
 * failed sign-ins. Counted only when the match count is exact (a set small enough to count); an
 * estimate over hundreds of thousands is not made truer by reading every row for a few blocked.
 */
function blockedOrLocked(db: Db, actor: Actor, query: ListQuery, count: MatchCount): number {
  if (!count.exact || count.value === 0) return 0;
  const row = oneRow<{ n: number }>(
    db,
    sql`select count(*) as n from users u where ${and(...listConditions(actor, query, filterZone(db, actor)))}
        and (u.blocked = 1 or u.locked_until > ${Date.now()})`,
  );
  return row?.n ?? 0;
}

export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    const tiles = TILES.map((tile) => {
      const query: ListQuery = parseListQuery(tile.params);
      const count = countUsers(app.db, request.actor, query);
      const less = tile.canSignIn ? blockedOrLocked(app.db, request.actor, query, count) : 0;
      return { ...tile, count: { ...count, value: count.value - less }, href: listUrl(query) };
    });
    return reply.view('home/index', { title: 'Overview', tiles });
  });
}
