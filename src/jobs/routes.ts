import { stringify } from 'csv-stringify/sync';
import { csvDownload } from '../csv-download.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TemporaryPassword } from '../bulk/passwords.js';
import { csvSafe } from '../text.js';
import { SECRET_KEPT_MS } from './board.js';
import { fragmentAsked } from '../htmx.js';

/** A job's page: its progress while it runs (polled by htmx, refreshed without it), then its summary. */
export default async function jobRoutes(app: FastifyInstance) {
  const { board } = app.jobs;

  /** Only the administrator who started a job sees it; for anyone else it does not exist. */
  function ownJob(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const job = board.get(request.params.id);
    if (job && job.actorId === request.actor.id) return job;
    reply.callNotFound();
    return undefined;
  }

  app.get<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
    const job = ownJob(request, reply);
    if (!job) return reply;
    const finished = job.state === 'done' || job.state === 'failed';
    // Temporary passwords appear once, in the first finished view, and are never cached.
    const passwords = finished && job.hasSecret ? (board.showSecretOnce(job.id) as TemporaryPassword[]) : undefined;
    reply.header('Cache-Control', 'no-store');
    const data = { title: job.title, job, finished, passwords, keptMinutes: SECRET_KEPT_MS / 60_000 };
    return reply.view(fragmentAsked(request, reply) ? 'jobs/_status' : 'jobs/show', data);
  });

  app.get<{ Params: { id: string } }>('/jobs/:id/passwords.csv', async (request, reply) => {
    const job = ownJob(request, reply);
    if (!job) return reply;
    const passwords = board.takeSecret(job.id) as TemporaryPassword[] | undefined;
    if (!passwords) {
      reply.flash('error', 'The temporary passwords are no longer kept. Reset the passwords again to make new ones.');
      return reply.redirect(`/jobs/${job.id}`);
    }
    const rows = passwords.map((p) => [p.username, p.name, p.email, p.password].map(csvSafe));
    return csvDownload(reply, 'temporary-passwords.csv').send(
      stringify([['Username', 'Name', 'Email', 'Temporary password'], ...rows], { bom: true }),
    );
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/forget', async (request, reply) => {
    const job = ownJob(request, reply);
    if (!job) return reply;
    board.forgetSecret(job.id);
    reply.flash('success', 'The temporary passwords are forgotten.');
    return reply.redirect(`/jobs/${job.id}`);
  });
}
