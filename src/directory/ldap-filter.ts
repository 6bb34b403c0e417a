import { FilterParser } from 'ldapts';

const ADVICE =
  'Write each condition in parentheses and combine them with & or |, such as (&(objectClass=user)(department=Sales)).';

/** Parentheses that close as many as they open; escaped ones (\28, \29) are values, not structure. */
function balanced(filter: string): boolean {
  let depth = 0;
  for (const c of filter) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Whether an LDAP search filter (RFC 4515) can be sent, read by the same parser that sends it,
 * so a filter the page accepts never fails later for its syntax. The server may still refuse
 * what it does not know; that is shown in words when the connection is tested.
 */
export function filterProblem(filter: string): string | undefined {
  if (!filter.startsWith('(') || !filter.endsWith(')')) return `A filter starts with ( and ends with ). ${ADVICE}`;
  if (!balanced(filter)) return `The parentheses in this filter do not pair up. ${ADVICE}`;
  try {
    FilterParser.parseString(filter);
    return undefined;
  } catch {
    return `This is not a valid LDAP filter. ${ADVICE}`;
  }
}
