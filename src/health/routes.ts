import type { FastifyInstance, LogLevel } from 'fastify';

const FAULT_REASONS = {
  full: 'The disk is full: the database cannot be written.',
  unavailable: 'The database cannot be written: the storage is read-only or failing.',
};

/**
 * For load balancers and container health checks: 200 while the database answers and can be
 * written, 503 otherwise. A server that shows pages but saves nothing is not healthy.
 */
export default async function healthRoutes(app: FastifyInstance) {
  // Probes come every few seconds: log only their failures, unless logging is quieter still.
  const logLevel = (
    ['fatal', 'error', 'silent'].includes(app.config.logLevel) ? app.config.logLevel : 'warn'
  ) as LogLevel;
  app.get('/healthz', { logLevel }, async (request, reply) => {
    try {
      app.db.$client.prepare('select 1').get();
      const fault = app.writeProbe.fault();
      if (fault) {
        request.log.error({ fault }, 'health check: the database cannot be written');
        return reply.code(503).send({ status: 'unavailable', reason: FAULT_REASONS[fault] });
      }
      return { status: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
