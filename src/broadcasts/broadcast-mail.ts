import type { QueuedMail } from '../mail/queue.js';
import { composeMail } from '../mail/templates.js';
import { type BroadcastCategory, categoryLabel, isBroadcastCategory } from './categories.js';

/** Mail clients ignore style sheets: the category's colour goes inline, as the banner's does in the portal. */
const COLOURS: Record<BroadcastCategory, string> = {
  information: '#2457c5',
  warning: '#b25e09',
  maintenance: '#5b4bb7',
  outage: '#c0392b',
  resolved: '#1d7a46',
};

/** One recipient's copy of a broadcast: their own To, greeted by name. */
export function broadcastMail(
  broadcast: { subject: string; body: string; category: string },
  recipient: { email: string; name: string },
  externalUrl: string,
): QueuedMail {
  const category = isBroadcastCategory(broadcast.category) ? broadcast.category : 'information';
  return composeMail(
    'broadcast',
    {
      to: recipient.email,
      subject: broadcast.subject,
      data: {
        name: recipient.name,
        body: broadcast.body,
        category: categoryLabel(category),
        colour: COLOURS[category],
      },
    },
    { externalUrl },
  );
}
