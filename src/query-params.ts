/** A parsed query string, as fastify hands it over: a name may repeat. */
export type QueryParams = Record<string, string | string[] | undefined>;

/**
 * One parameter's value, trimmed; the last one when it repeats (a form's field beside a
 * hand-edited URL's), and undefined when empty, so "?group=" means no filter.
 */
export function single(params: QueryParams, name: string): string | undefined {
  const value = params[name];
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  const trimmed = text?.trim();
  return trimmed === '' ? undefined : trimmed;
}
