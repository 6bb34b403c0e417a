import { Eta } from 'eta';
import { fileURLToPath } from 'node:url';
import type { QueuedMail } from './queue.js';

const MAIL_VIEWS = fileURLToPath(new URL('../../views/mail', import.meta.url));

/**
 * Every mail Roster sends is a pair of Eta templates in views/mail: `<name>.text.eta` and
 * `<name>.html.eta`, each wrapped in its part's layout, which carries the product name and the
 * public address. The HTML part is escaped; the text part is not (it is not HTML, and escaping
 * would show "&amp;" to the reader), and keeps every line break as written, so a text template
 * starts with its layout call on the same line as its first words. The public address always comes from the mail settings,
 * never from a request's Host header, so a forged header cannot plant links.
 */
const textParts = new Eta({ views: MAIL_VIEWS, autoEscape: false, autoTrim: false, cache: true });
const htmlParts = new Eta({ views: MAIL_VIEWS, autoEscape: true, cache: true });

export const PRODUCT_NAME = 'Roster';

/** What every template may use besides its own data. */
export interface MailBrand {
  /** Roster's public address from the mail settings, e.g. https://roster.example.com. */
  externalUrl: string;
}

/**
 * A mail from its templates. `secrets` are placeholders in both parts (a set-password link)
 * that the outbox seals and puts back only when it sends; in the HTML part they are escaped then.
 */
export function composeMail(
  name: string,
  message: { to: string; subject: string; data: object; secrets?: Record<string, string> },
  brand: MailBrand,
): QueuedMail {
  const it = { ...message.data, subject: message.subject, brand: { ...brand, productName: PRODUCT_NAME } };
  return {
    to: message.to,
    subject: message.subject,
    text: textParts.render(`./${name}.text.eta`, it),
    html: htmlParts.render(`./${name}.html.eta`, it),
    secrets: message.secrets,
  };
}
