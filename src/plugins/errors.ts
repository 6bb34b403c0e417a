import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type WriteFault, writeFaultOf } from '../storage/faults.js';
import { detachSession } from './sessions.js';
import { setViewLocals } from './views.js';

const CLIENT_MESSAGES: Record<number, { title: string; message: string }> = {
  400: { title: 'Bad request', message: 'The request could not be understood. Go back and try again.' },
  403: {
    title: 'Form expired',
    message: 'This form has expired or was sent from another site. Go back, reload the page and try again.',
  },
  404: {
    title: 'Page not found',
    message: 'There is nothing at this address. Check the link, or start from the overview.',
  },
  413: { title: 'Too large', message: 'What you sent is larger than Roster accepts.' },
  415: { title: 'Unsupported content', message: 'Roster cannot read what was sent.' },
  429: { title: 'Too many attempts', message: 'Too many attempts. Wait a minute and try again.' },
  503: {
    title: 'Busy for a moment',
    message:
      'Roster is saving a large change (such as a bulk action) and could not save this in time. Nothing was changed: go back and try again in a few seconds.',
  },
};

/** When the database cannot be written: no space (507 Insufficient Storage), or no storage at all. */
const FAULT_PAGES: Record<WriteFault, { status: number; title: string; message: string }> = {
  full: {
    status: 507,
    title: 'Disk full',
    message:
      'The disk is full; nothing was saved. Whoever runs Roster needs to free some space on the server. Then go back and try again.',
  },
  unavailable: {
    status: 503,
    title: 'Cannot save',
    message:
      'Roster cannot write to its storage right now; nothing was saved. Whoever runs Roster needs to check the server’s disk. Then go back and try again.',
  },
};

/** A form refused for its CSRF token: when nothing can be saved, its secret may never have been. */
const isCsrfRefusal = (error: FastifyError) => error.code?.startsWith('FST_CSRF') === true;

/** SQLite's answer when another connection held the write lock for longer than the busy timeout. */
const isBusy = (error: unknown) => (error as { code?: string }).code?.startsWith('SQLITE_BUSY') === true;

function renderError(reply: FastifyReply, status: number, message?: string, title?: string) {
  const known = CLIENT_MESSAGES[status];
  // The shell needs its context even when the request failed before it was set.
  if (reply.locals?.csrf === undefined) setViewLocals(reply.request, reply);
  return reply.code(status).view('errors/error', {
    title: title ?? known?.title ?? 'Something went wrong',
    message: message ?? known?.message,
    status,
    requestId: reply.request.id,
  });
}

/** 404 and error pages inside the layout; unexpected errors are logged with the request id shown. */
export default fp(async (app) => {
  app.setNotFoundHandler((_request, reply) => renderError(reply, 404));

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // Asked only here, on the way out of a failed request: a cheap probe, its answer kept briefly.
    const fault = writeFaultOf(error) ?? app.writeProbe.fault();
    if (fault) {
      // Whatever this reply shows, saving the session with it would fail again.
      detachSession(request);
      if (writeFaultOf(error) || isCsrfRefusal(error)) {
        request.log.error({ err: error.message, code: error.code }, 'the database cannot be written: request refused');
        const page = FAULT_PAGES[fault];
        return renderError(reply.header('Retry-After', '60'), page.status, page.message, page.title);
      }
    }
    if (isBusy(error)) {
      request.log.warn({ err: error.message }, 'database busy: request refused');
      return renderError(reply.header('Retry-After', '5'), 503);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return renderError(reply, 500);
    }
    request.log.info({ err: error.message, code: error.code }, 'request refused');
    return renderError(reply, status, status === 429 ? error.message : undefined);
  });
});
