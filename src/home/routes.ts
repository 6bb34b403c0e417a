import type { FastifyInstance } from 'fastify';
import { countVisibleUsers } from '../users/repository.js';

export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) =>
    reply.view('home/index', {
      title: 'Overview',
      userCount: countVisibleUsers(app.db, request.actor),
    }),
  );
}
