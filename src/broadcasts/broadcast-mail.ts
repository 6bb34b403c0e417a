import type { QueuedMail } from '../mail/queue.js';
import { composeMail } from '../mail/templates.js';
import { escapeHtml } from '../text.js';
import { type BroadcastCategory, categoryLabel, isBroadcastCategory } from './categories.js';

/** Mail clients ignore style sheets: the category's colour goes inline, as the banner's does in the portal. */
const COLOURS: Record<BroadcastCategory, string> = {
  information: '#2457c5',
  warning: '#b25e09',
  maintenance: '#5b4bb7',
  outage: '#c0392b',
  resolved: '#1d7a46',
};

/** Stands for the recipient's name while the templates are rendered once for everyone. */
const NAME = '\u0000recipient-name\u0000';

/**
 * A broadcast's mail, rendered from its templates once, then made into each recipient's own
 * copy (their To, greeted by name). Rendering the templates for each of 100,000 recipients
 * would hold the event loop far longer than putting a name in place.
 */
export function broadcastMailer(
  broadcast: { subject: string; body: string; category: string },
  externalUrl: string,
): (recipient: { email: string; name: string }) => QueuedMail {
  const category = isBroadcastCategory(broadcast.category) ? broadcast.category : 'information';
  const mail = composeMail(
    'broadcast',
    {
      to: '',
      subject: broadcast.subject,
      data: { name: NAME, body: broadcast.body, category: categoryLabel(category), colour: COLOURS[category] },
    },
    { externalUrl },
  );
  // The HTML part escaped the placeholder's characters along with everything else: none of them need it.
  return (recipient) => ({
    ...mail,
    to: recipient.email,
    text: mail.text.replace(NAME, recipient.name),
    html: mail.html?.replace(NAME, escapeHtml(recipient.name)),
  });
}
