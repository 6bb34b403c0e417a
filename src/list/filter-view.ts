import type { DateWords } from '../dates.js';
import type { ReferenceLists } from '../reference/reference-lists.js';
import { FILTER_FIELDS, filterField, QUICK_FILTERS, type QuickFilter } from './filter-fields.js';
import { type FieldType, filterWords, isDay, type Operator, OPERATORS_OF } from './filter-types.js';
import type { ListQuery } from './list-query.js';

/**
 * The filter bar and the chips of active filters, as the users views show them, worked out
 * from the table of fields (filter-fields.ts) so the templates only lay them out.
 */

/** A quick filter's drop-down. */
export interface QuickSelect {
  name: string;
  label: string;
  allLabel: string;
  options: { id: number | string; name: string }[];
  current: number | string | undefined;
  more: boolean;
}

const choiceOptions = (choices: Readonly<Record<string, string>> | undefined) =>
  Object.entries(choices ?? {}).map(([id, name]) => ({ id, name }));

function optionsOf(quick: QuickFilter, lists: ReferenceLists): QuickSelect['options'] {
  if (quick.from === 'choices') return choiceOptions(quick.field.choices);
  if (quick.from === 'picked') return [];
  return lists[quick.from].options;
}

const quickValue = (query: ListQuery, quick: QuickFilter) =>
  (query.filters as Record<string, number | string | undefined>)[quick.key];

/** The quick filters that have a drop-down (the supervisor is picked from a row's link instead). */
export function quickSelects(query: ListQuery, lists: ReferenceLists): QuickSelect[] {
  return QUICK_FILTERS.filter((quick) => quick.from !== 'picked').map((quick) => ({
    name: quick.param,
    label: quick.field.label,
    allLabel: quick.any,
    options: optionsOf(quick, lists),
    current: quickValue(query, quick),
    more: quick.folded,
  }));
}

/** Quick filters set without a drop-down, carried by the form as hidden fields. */
export function pickedFields(query: ListQuery): [string, string][] {
  return QUICK_FILTERS.filter((quick) => quick.from === 'picked').flatMap((quick) => {
    const value = quickValue(query, quick);
    return value === undefined ? [] : [[quick.param, String(value)] as [string, string]];
  });
}

/** The kind of value control a type takes: a date picker, a number, a list of answers, or text. */
export type ValueControl = 'text' | 'date' | 'number' | 'select';

const CONTROL_OF: Record<FieldType, ValueControl> = {
  text: 'text',
  date: 'date',
  number: 'number',
  yesno: 'select',
  choice: 'select',
};

const YES_NO_CHOICES = { yes: 'Yes', no: 'No' } as const;

/** The answers a field offers in a drop-down, for yes/no and choice fields. */
const answersOf = (field: { type: FieldType; choices?: Readonly<Record<string, string>> }) =>
  field.type === 'yesno' ? YES_NO_CHOICES : field.type === 'choice' ? (field.choices ?? {}) : undefined;

/** Before a field is chosen, the operators by type; a choice takes the same two as yes or no. */
const TYPE_GROUPS: [FieldType, string][] = [
  ['text', 'Text'],
  ['date', 'Dates'],
  ['number', 'Numbers'],
  ['yesno', 'Yes or no, or a choice'],
];

/** "Filter on any field": the fields, and the operators and value control that fit the one chosen. */
export function adhocForm(query: ListQuery) {
  const typed = query.adhoc ?? query.invalidFilter;
  const field = typed ? filterField(typed.field) : undefined;
  const operatorList = (type: FieldType) =>
    (Object.entries(OPERATORS_OF[type]) as [Operator, string][]).map(([value, label]) => ({ value, label }));
  // With a field chosen only its operators are offered; before that, every type's, grouped, so
  // the form works without the script that narrows them as the field changes.
  const groups = field
    ? [{ label: '', operators: operatorList(field.type) }]
    : TYPE_GROUPS.map(([type, label]) => ({ label, operators: operatorList(type) }));
  const value = typed?.value ?? '';
  // A date picker shows only a day: an exact moment (from a link the console made) or a value
  // refused as no date stays in a text box, as it was typed.
  let control: ValueControl = field ? CONTROL_OF[field.type] : 'text';
  if (control === 'date' && value !== '' && !isDay(value)) control = 'text';
  const answers = field && answersOf(field);
  return {
    fields: FILTER_FIELDS.map((f) => ({
      key: f.key,
      label: f.label,
      type: f.type,
      answers: answersOf(f) && JSON.stringify(Object.entries(answersOf(f)!)),
    })),
    field: typed?.field ?? '',
    op: typed?.op ?? '',
    value,
    groups,
    control,
    answers: answers ? Object.entries(answers).map(([id, name]) => ({ id, name })) : [],
    /** Every type's operators and value control, for the script that follows the field select. */
    byType: JSON.stringify(
      Object.fromEntries(
        (Object.keys(OPERATORS_OF) as FieldType[]).map((type) => [
          type,
          { control: CONTROL_OF[type], operators: Object.entries(OPERATORS_OF[type]) },
        ]),
      ),
    ),
  };
}

/** An active filter's chip: its words, and the change to the query that removes it. */
export interface Chip {
  label: string;
  without: Partial<ListQuery>;
}

function quickChip(query: ListQuery, quick: QuickFilter, lists: ReferenceLists, supervisorName?: string): string {
  const value = quickValue(query, quick);
  const name =
    quick.from === 'choices'
      ? quick.field.choices?.[String(value)]
      : quick.from === 'picked'
        ? (supervisorName ?? 'unknown')
        : lists[quick.from].byId.get(Number(value))?.name;
  return `${quick.field.label}: ${name ?? String(value)}`;
}

/** The chips of the search, each quick filter and the filter on any field, in that order. */
export function activeFilters(
  query: ListQuery,
  lists: ReferenceLists,
  dates: DateWords,
  supervisorName?: string,
): Chip[] {
  const restart = { page: 1, cursor: undefined } as const;
  const chips: Chip[] = [];
  if (query.q) chips.push({ label: `Search: ${query.q}`, without: { q: '', ...restart } });
  for (const quick of QUICK_FILTERS) {
    if (quickValue(query, quick) === undefined) continue;
    chips.push({
      label: quickChip(query, quick, lists, supervisorName),
      without: { filters: { ...query.filters, [quick.key]: undefined }, ...restart },
    });
  }
  if (query.adhoc) {
    const { field, op, value } = query.adhoc;
    chips.push({
      label: filterWords(filterField(field)!, op, value, dates),
      without: { adhoc: undefined, ...restart },
    });
  }
  return chips;
}
