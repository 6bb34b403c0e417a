import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
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

/** SQLite's answer when another connection held the write lock for longer than the busy timeout. */
const isBusy = (error: unknown) => (error as { code?: string }).code?.startsWith('SQLITE_BUSY') === true;

function renderError(reply: FastifyReply, status: number, message?: string) {
  const known = CLIENT_MESSAGES[status];
  // The shell needs its context even when the request failed before it was set.
  if (reply.locals?.csrf === undefined) setViewLocals(reply.request, reply);
  return reply.code(status).view('errors/error', {
    title: known?.title ?? 'Something went wrong',
    message: message ?? known?.message,
    status,
    requestId: reply.request.id,
  });
}

/** 404 and error pages inside the layout; unexpected errors are logged with the request id shown. */
export default fp(async (app) => {
  app.setNotFoundHandler((_request, reply) => renderError(reply, 404));

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
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
