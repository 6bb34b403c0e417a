import { allowedIf } from '../access/guards.js';
import { mayExport, PERMISSION_WORDS } from '../access/policy.js';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OutOfScopeError, readSelection, tickedIds } from '../bulk/selection.js';
import { type ListQuery, listQueryFromString, listQueryParams, listUrl } from '../list/list-query.js';
import type { ListPlan } from '../list/list-repository.js';
import { cachedPlan, chosenColumns } from '../list/list-service.js';
import type { ColumnKey } from '../list/columns.js';
import { exportFilename } from './csv.js';
import { type CsvChunk, csvChunks, recordExport, STREAM_LIMIT, tickedPlan } from './export-users.js';
import { keptExport, removeExpiredExports } from './files.js';
import { EXPORT_JOB, type ExportJobParams } from './handlers.js';
import { csvDownload } from '../csv-download.js';

type Body = Record<string, unknown> | undefined;

const SWEEP_EVERY_MS = 3_600_000;

/** Hands the chunks over one per turn of the event loop, so other requests are served between batches. */
async function* yielding(chunks: Iterable<CsvChunk>): AsyncGenerator<string> {
  for (const chunk of chunks) {
    yield chunk.text;
    await nextTurn();
  }
}

/**
 * Export to CSV from the users list (F1). The list's bar posts here: the ticked users, or when
 * none are ticked every user the list's filters and search match, in the list's order, with the
 * administrator's chosen columns. Small exports come back at once; large ones run as a job whose
 * page then offers the file.
 */
export default async function exportRoutes(app: FastifyInstance) {
  const { db, config } = app;

  // Every process sweeps; removing a file twice is harmless.
  const sweep = () => {
    try {
      const removed = removeExpiredExports(config.dataDir);
      if (removed > 0) app.log.info({ removed }, 'expired exports removed');
    } catch (error) {
      app.log.error({ err: error }, 'removing expired exports failed');
    }
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  /**
   * Streams a small export. There is no snapshot across the batches (a transaction cannot stay
   * open while other requests share the connection), but the users and their order are fixed
   * before the first row is written, so an edit meanwhile at most shows in its row.
   */
  function sendCsv(
    request: FastifyRequest,
    reply: FastifyReply,
    plan: ListPlan,
    query: ListQuery,
    columns: ColumnKey[],
    ticked: boolean,
  ) {
    recordExport(db, request.actor, { count: plan.count.value, query, ticked, columns }, request.id);
    return csvDownload(reply, exportFilename(new Date())).send(
      Readable.from(yielding(csvChunks(db, plan, query, columns))),
    );
  }

  function startJob(request: FastifyRequest, reply: FastifyReply, query: ListQuery, columns: ColumnKey[]) {
    sweep();
    const params: ExportJobParams = {
      query: listQueryParams(query, { page: 1, cursor: undefined }).toString(),
      columns,
      filename: exportFilename(new Date()),
      back: { label: 'Back to the users list', href: listUrl(query) },
    };
    const job = {
      kind: EXPORT_JOB,
      title: 'Exporting users',
      actorId: request.actor.id,
      params,
      requestId: request.id,
    };
    return reply.code(303).redirect(`/jobs/${app.jobs.runner.start(job)}`);
  }

  const exporting = { preHandler: allowedIf(mayExport, PERMISSION_WORDS.transfer) };

  app.post<{ Body: Body }>('/users/export', exporting, async (request, reply) => {
    const body = request.body ?? {};
    // Nothing ticked means the whole list as filtered, which is what "all matching" posts.
    const selection = readSelection(tickedIds(body).length > 0 ? body : { ...body, all: '1' });
    // The list's sort applies to ticked users too: the query string carries it either way.
    const query = listQueryFromString(String(body.query ?? '').slice(0, 2000));
    const refuse = (status: number, error: string) =>
      reply.code(status).view('bulk/refused', { title: 'Nothing was exported', error, back: listUrl(query) });
    if ('error' in selection) return refuse(422, selection.error);
    const columns = chosenColumns(db, request.actor.id);
    if ('ids' in selection) {
      try {
        return sendCsv(request, reply, tickedPlan(db, request.actor, selection.ids), query, columns, true);
      } catch (err) {
        if (err instanceof OutOfScopeError) return refuse(403, err.message);
        throw err;
      }
    }
    const plan = cachedPlan(db, request.actor, query);
    if (plan.count.exact && plan.count.value <= STREAM_LIMIT)
      return sendCsv(request, reply, plan, query, columns, false);
    return startJob(request, reply, query, columns);
  });

  /** A finished export's file, for the administrator who ran it; for anyone else it does not exist. */
  app.get<{ Params: { id: string } }>('/exports/:id', async (request, reply) => {
    const job = app.jobs.board.get(request.params.id);
    if (!job || job.kind !== EXPORT_JOB || job.actorId !== request.actor.id || job.state !== 'done') {
      return reply.callNotFound();
    }
    const file = keptExport(config.dataDir, job.id);
    if (!file) {
      reply.flash('error', 'This export is no longer kept. Export the list again to get a new file.');
      return reply.redirect(`/jobs/${job.id}`);
    }
    const { filename } = job.params as ExportJobParams;
    return csvDownload(reply, filename).send(createReadStream(file));
  });
}
