import { type ScopeKind, users } from '../db/schema.js';
import { PARTS_OF_FIELD } from '../users/derived-fields.js';
import {
  MEMBERSHIP_LISTS,
  REFERENCE_TABLES,
  type ReferenceList,
  SINGLE_REFERENCES,
  type SingleReference,
} from './reference-tables.js';

/**
 * What the Lists pages need to know about each reference list: its address, its words, how
 * users hold its items (one column on users, or rows in a membership table), the sort key those
 * users carry for it, and the scope kind that can name its items.
 */
export interface ListSpec {
  key: ReferenceList;
  /** The last part of its address: /lists/user-types. */
  slug: string;
  table: string;
  /** "User types", as a heading. */
  title: string;
  /** "user type", inside a sentence. */
  item: string;
  /** "user types", inside a sentence. */
  items: string;
  holding: { kind: 'single'; column: string } | { kind: 'membership'; table: string };
  /** The users column holding the derived sort key a name of this list feeds. */
  sortColumn: string;
  scopeKind?: ScopeKind;
  /** The users list's quick filter for one item of this list, where it has one: /users?group=3. */
  filter?: string;
}

const WORDS: Record<ReferenceList, { slug: string; title: string; item: string; items: string }> = {
  groups: { slug: 'groups', title: 'Groups', item: 'group', items: 'groups' },
  teams: { slug: 'teams', title: 'Teams', item: 'team', items: 'teams' },
  territories: { slug: 'territories', title: 'Territories', item: 'territory', items: 'territories' },
  companies: { slug: 'companies', title: 'Companies', item: 'company', items: 'companies' },
  userTypes: { slug: 'user-types', title: 'User types', item: 'user type', items: 'user types' },
  roles: { slug: 'roles', title: 'Roles', item: 'role', items: 'roles' },
  databases: { slug: 'databases', title: 'Databases', item: 'database', items: 'databases' },
  addons: { slug: 'addons', title: 'Add-on licences', item: 'add-on licence', items: 'add-on licences' },
};

/** The lists a scoped administrator's scope can name, by the kind stored in admin_scopes. */
const SCOPE_KIND_OF: Partial<Record<ReferenceList, ScopeKind>> = {
  groups: 'groups',
  territories: 'territories',
  companies: 'companies',
  userTypes: 'userTypes',
};

const FILTER_OF: Partial<Record<ReferenceList, string>> = {
  groups: 'group',
  territories: 'territory',
  companies: 'company',
  userTypes: 'type',
  roles: 'role',
};

function specOf(key: ReferenceList): ListSpec {
  const single = (
    Object.entries(SINGLE_REFERENCES) as [SingleReference, (typeof SINGLE_REFERENCES)[SingleReference]][]
  ).find(([, ref]) => ref.list === key);
  const field = single ? single[0] : (key as keyof typeof MEMBERSHIP_LISTS);
  const holding = single
    ? ({ kind: 'single', column: single[1].column } as const)
    : ({ kind: 'membership', table: MEMBERSHIP_LISTS[key as keyof typeof MEMBERSHIP_LISTS].membership } as const);
  return {
    key,
    ...WORDS[key],
    table: REFERENCE_TABLES[key],
    holding,
    sortColumn: users[PARTS_OF_FIELD[field][0]!].name,
    scopeKind: SCOPE_KIND_OF[key],
    filter: FILTER_OF[key],
  };
}

/** Every list, in the order the Lists page shows them. */
export const LIST_SPECS: readonly ListSpec[] = (Object.keys(WORDS) as ReferenceList[]).map(specOf);

export const listBySlug = (slug: string) => LIST_SPECS.find((spec) => spec.slug === slug);
export const listByKey = (key: ReferenceList) => LIST_SPECS.find((spec) => spec.key === key)!;
