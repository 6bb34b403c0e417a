import type { FastifyInstance } from 'fastify';
import { type ListQuery, listUrl, parseListQuery } from '../list/list-query.js';
import { countUsers } from '../list/list-service.js';

const TILES = [
  { label: 'Users', note: 'you administer', params: {} },
  { label: 'Active', note: 'can sign in', params: { status: 'active' } },
  { label: 'Inactive', note: 'cannot sign in', params: { status: 'inactive' } },
];

export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    const tiles = TILES.map((tile) => {
      const query: ListQuery = parseListQuery(tile.params);
      return { ...tile, count: countUsers(app.db, request.actor, query), href: listUrl(query) };
    });
    return reply.view('home/index', { title: 'Overview', tiles });
  });
}
