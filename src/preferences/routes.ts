import type { FastifyInstance, FastifyReply } from 'fastify';
import { isTimeZone, TIME_ZONES, zoneLabel } from '../dates.js';
import { adoptBrowserTimeZone, saveTimeZone, storedTimeZone } from './time-zone.js';

type Body = Record<string, unknown> | undefined;

export const TIME_ZONE_REFUSED = 'Choose a time zone from the list, such as Europe/Oslo or UTC.';

/** A form field as submitted; anything but one string reads as nothing chosen. */
const field = (body: Body, name: string) => (typeof body?.[name] === 'string' ? (body[name] as string) : '');

/**
 * The signed-in administrator's own preferences: for now, the time zone every page shows dates
 * in. They concern only the administrator themselves, so no permission guards them and no
 * audit entry records them.
 */
export default async function preferenceRoutes(app: FastifyInstance) {
  const { db } = app;

  function render(reply: FastifyReply, chosen: string, error?: string) {
    return reply.view('preferences/form', {
      title: 'Your preferences',
      zones: TIME_ZONES,
      zoneLabel,
      chosen,
      stored: storedTimeZone(db, reply.request.actor.id),
      error,
    });
  }

  app.get('/preferences', async (request, reply) => render(reply, storedTimeZone(db, request.actor.id) ?? ''));

  app.post<{ Body: Body }>('/preferences', async (request, reply) => {
    const zone = field(request.body, 'timeZone');
    // Kept as typed in the form only when it is one of the choices: anything else is not echoed back.
    if (!isTimeZone(zone)) return render(reply.code(422), '', TIME_ZONE_REFUSED);
    saveTimeZone(db, request.actor.id, zone);
    reply.flash('success', `Dates are now shown in ${zoneLabel(zone)} time.`);
    return reply.redirect('/preferences', 303);
  });

  /** The page's script reports the browser's zone once, while the administrator has chosen none. */
  app.post<{ Body: Body }>('/preferences/browser-time-zone', async (request, reply) => {
    const zone = field(request.body, 'timeZone');
    if (!isTimeZone(zone)) return reply.code(422).type('text/plain').send(TIME_ZONE_REFUSED);
    adoptBrowserTimeZone(db, request.actor.id, zone);
    return reply.code(204).send();
  });
}
