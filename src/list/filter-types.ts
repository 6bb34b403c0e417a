import type { DateWords } from '../dates.js';

/**
 * What a filterable field holds decides how it can be filtered: which operators fit, what a
 * value must look like, and how a filter on it reads in words. The table of fields
 * (filter-fields.ts) gives each field one of these types.
 */

export type FieldType = 'text' | 'date' | 'number' | 'yesno' | 'choice';

/** Every operator by its URL name; what each one is called depends on the field's type. */
export type Operator =
  'eq' | 'not' | 'contains' | 'starts' | 'empty' | 'before' | 'on' | 'after' | 'lt' | 'gt' | 'le' | 'ge';

/** The operators each type takes, in the order the filter offers them, with their words. */
export const OPERATORS_OF: Record<FieldType, Partial<Record<Operator, string>>> = {
  text: { eq: 'equals', contains: 'contains', starts: 'starts with', empty: 'is empty' },
  date: { before: 'before', on: 'on', after: 'after', empty: 'is empty' },
  number: { eq: '=', lt: '<', gt: '>', le: '≤', ge: '≥' },
  yesno: { eq: 'is', not: 'is not' },
  choice: { eq: 'is', not: 'is not' },
};

/** The words of every operator any type takes, for naming one a URL asks for where it does not fit. */
export const OPERATOR_WORDS: Record<Operator, string> = Object.assign({}, ...Object.values(OPERATORS_OF).reverse());

export const operatorsOfType = (type: FieldType) => Object.keys(OPERATORS_OF[type]) as Operator[];

/** The type's operator named in the URL, or undefined when it does not fit (or is no operator at all). */
export function fittingOperator(type: FieldType, op: string): Operator | undefined {
  return operatorsOfType(type).find((o) => o === op);
}

/** Yes or no, as typed or as an older link wrote it; undefined for anything else. */
const YES_NO: Record<string, 'yes' | 'no'> = { yes: 'yes', no: 'no', on: 'yes', off: 'no', true: 'yes', false: 'no' };

/** A calendar day that exists (2026-02-31 does not), as a date input sends it. */
export function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** An exact moment with its zone, as links made by the console carry ("created after the import began"). */
export function isInstant(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) &&
    !Number.isNaN(Date.parse(text))
  );
}

/** How a field is named in messages and which values a choice field takes. */
export interface Valued {
  label: string;
  type: FieldType;
  choices?: Readonly<Record<string, string>>;
}

/**
 * Checks a value for a field and operator that fit, and gives it in the one spelling the SQL
 * and the URL use (yes/no, a choice's stored code, a number without spaces); or the problem
 * in words a person can act on.
 */
export function checkValue(field: Valued, op: Operator, typed: string): { value: string } | { problem: string } {
  const value = typed.trim();
  if (op === 'empty') return { value: '' };
  const { label } = field;
  switch (field.type) {
    case 'text':
      return value === '' ? { problem: `Enter a value for ${label}.` } : { value };
    case 'date':
      if (value === '') return { problem: `Enter a date for ${label}, such as 2026-01-31.` };
      if (isDay(value)) return { value };
      if (op !== 'on' && isInstant(value)) return { value };
      return {
        problem:
          op === 'on' && isInstant(value)
            ? `Enter a day for ${label}, such as 2026-01-31.`
            : `Enter a date for ${label}, such as 2026-01-31.`,
      };
    case 'number':
      return /^\d{1,9}$/.test(value)
        ? { value: String(Number(value)) }
        : { problem: `Enter a whole number for ${label}, such as 3.` };
    case 'yesno': {
      const answer = YES_NO[value.toLowerCase()];
      return answer ? { value: answer } : { problem: `Choose yes or no for ${label}.` };
    }
    case 'choice': {
      const choices = Object.entries(field.choices ?? {});
      const found = choices.find(([code, words]) => [code, words.toLowerCase()].includes(value.toLowerCase()));
      if (found) return { value: found[0] };
      const named = choices.map(([, words]) => words);
      return { problem: `Choose ${named.slice(0, -1).join(', ')} or ${named.at(-1)} for ${label}.` };
    }
  }
}

/** A day as people write it: "27 Nov 2026". */
const DAY_WORDS = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/**
 * A filter in words, as its chip shows it: "Email contains “acme”", "Last sign-in on 27 Nov
 * 2026", "Failed sign-ins ≥ 3", "Blocked: no", "Licence is not Full". An exact moment is shown
 * in the administrator's zone.
 */
export function filterWords(field: Valued, op: Operator, value: string, dates: DateWords): string {
  const { label } = field;
  const opWords = OPERATORS_OF[field.type][op] ?? op;
  if (op === 'empty') return `${label} is empty`;
  switch (field.type) {
    case 'text':
      return `${label} ${opWords} “${value}”`;
    case 'date':
      return `${label} ${opWords} ${isDay(value) ? DAY_WORDS.format(new Date(`${value}T00:00:00Z`)) : dates.when(new Date(value))}`;
    case 'number':
      return `${label} ${opWords} ${value}`;
    case 'yesno':
      return `${label}: ${(value === 'yes') !== (op === 'not') ? 'yes' : 'no'}`;
    case 'choice':
      return `${label} ${opWords} ${field.choices?.[value] ?? value}`;
  }
}
