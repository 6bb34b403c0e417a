/** Reading a users list page the way a person does: which rows, which headings, what the count says. */

export function decode(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The usernames shown in the table, top to bottom. */
export function usernamesIn(html: string): string[] {
  return [...html.matchAll(/<td class="col-username"[^>]*>([\s\S]*?)<\/td>/g)].map((m) => decode(m[1]!).trim());
}

export const sorted = (names: string[]) => [...names].sort();

export interface Heading {
  label: string;
  ariaSort: string;
  arrow: string;
  href: string;
}

export function headingsIn(html: string): Heading[] {
  return [
    ...html.matchAll(
      /<th scope="col" aria-sort="([^"]*)">\s*<a href="([^"]*)"[^>]*>([\s\S]*?)<span class="sort-arrow" aria-hidden="true">([^<]*)<\/span><\/a>/g,
    ),
  ].map((m) => ({ ariaSort: m[1]!, href: decode(m[2]!), label: decode(m[3]!).trim(), arrow: m[4]! }));
}

/** "Showing 1–25 of 60 users", or "" when an empty state says what happened. */
export function countText(html: string): string {
  const p = /<p class="results-count">([\s\S]*?)<\/p>/.exec(html);
  return p ? decode(p[1]!).replace(/\s+/g, ' ').trim() : '';
}

/** The href of a pager button, or undefined when it is disabled. */
export function pagerLink(html: string, label: 'First' | 'Previous' | 'Next' | 'Last'): string | undefined {
  const text = { First: '« First', Previous: '‹ Previous', Next: 'Next ›', Last: 'Last »' }[label];
  const link = new RegExp(`<a class="button" href="([^"]*)"[^>]*>${text}</a>`).exec(html);
  return link ? decode(link[1]!) : undefined;
}
