import type { FastifyInstance } from 'fastify';
import { readOverview, runningJobs } from './overview.js';

/** The Overview, the console's landing page. */
export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    const overview = readOverview(app.db, request.actor);
    const jobs = runningJobs(app.jobs.board, request.actor);
    return reply.view('home/index', { title: 'Overview', overview, jobs });
  });
}
