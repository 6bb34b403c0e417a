import type { FastifyInstance } from 'fastify';

/** For load balancers and container health checks: 200 while the database answers. */
export default async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', { logLevel: 'warn' }, async (request, reply) => {
    try {
      app.db.$client.prepare('select 1').get();
      return { status: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
