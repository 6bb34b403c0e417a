import type { FastifyInstance, LogLevel } from 'fastify';

/** For load balancers and container health checks: 200 while the database answers. */
export default async function healthRoutes(app: FastifyInstance) {
  // Probes come every few seconds: log only their failures, unless logging is quieter still.
  const logLevel = (
    ['fatal', 'error', 'silent'].includes(app.config.logLevel) ? app.config.logLevel : 'warn'
  ) as LogLevel;
  app.get('/healthz', { logLevel }, async (request, reply) => {
    try {
      app.db.$client.prepare('select 1').get();
      return { status: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
