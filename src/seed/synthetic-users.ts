import { transliterate } from '../text.js';
import { deriveFields } from '../users/derived-fields.js';

/**
 * Realistic synthetic users for trying Roster out and for benchmarks: names with diacritics,
 * several groups, territories and companies, supervisors, mixed statuses and licences. The
 * generator is seeded, so the same count always yields the same directory.
 */

export const REFERENCE_LISTS = {
  groups: [
    'Sales',
    'Marketing',
    'Finance',
    'Engineering',
    'Support',
    'Human Resources',
    'Legal',
    'Operations',
    'Procurement',
    'Research',
    'Design',
    'Logistics',
    'Quality',
    'Security',
    'Facilities',
    'Customer Success',
    'Data',
    'Training',
    'Executive',
    'Partners',
  ],
  teams: [
    'Alpha',
    'Bravo',
    'Charlie',
    'Delta',
    'Echo',
    'Foxtrot',
    'Golf',
    'Hotel',
    'India',
    'Juliett',
    'Kilo',
    'Lima',
    'Mike',
    'November',
    'Oscar',
    'Papa',
    'Québec',
    'Romeo',
    'Sierra',
    'Tango',
  ],
  territories: [
    'Nordics',
    'Benelux',
    'Iberia',
    'DACH',
    'France',
    'Italy',
    'United Kingdom',
    'Ireland',
    'Poland',
    'Baltics',
    'North America',
    'Latin America',
    'Middle East',
    'Asia Pacific',
  ],
  companies: [
    'Acme Ltd',
    'Globex',
    'Initech',
    'Umbrella',
    'Hooli',
    'Stark Industries',
    'Wayne Enterprises',
    'Wonka Industries',
    'Tyrell Corporation',
    'Cyberdyne',
    'Soylent',
    'Oscorp',
    'Vandelay Industries',
    'Massive Dynamic',
    'Aperture Science',
  ],
  userTypes: ['Employee', 'Contractor', 'Applicant', 'Reviewer', 'Contributor'],
  roles: [
    'Administrator',
    'Manager',
    'Sales Representative',
    'Accountant',
    'Engineer',
    'Support Agent',
    'Analyst',
    'Read-only',
  ],
  databases: ['Production', 'Staging', 'Archive', 'Reporting', 'Sandbox', 'Training'],
  addons: ['CRM', 'Rebates'],
} as const;

export type ReferenceListName = keyof typeof REFERENCE_LISTS;

const FIRST_NAMES = [
  'Åsa',
  'Anna',
  'Annika',
  'Ann-Sofie',
  'Björn',
  'Zoë',
  'José',
  'Łukasz',
  'Søren',
  'François',
  'Jürgen',
  'Ingrid',
  'Mia',
  'Noah',
  'Liam',
  'Olivia',
  'Emma',
  'Lucas',
  'Chloé',
  'Mateo',
  'Sofía',
  'Hugo',
  'Léa',
  'Ines',
  'Omar',
  'Fatima',
  'Yusuf',
  'Aisha',
  'Wei',
  'Mei',
  'Hiroshi',
  'Yuki',
  'Priya',
  'Arjun',
  'Kofi',
  'Amara',
  'Sean',
  'Siobhán',
  'Niamh',
  'Ólafur',
  'Eero',
  'Aino',
  'Dvořák',
  'Zdeněk',
  'Małgorzata',
  'Ștefan',
  'Ioana',
  'Đorđe',
  'Nikolaj',
  'Freya',
  'Henrik',
  'Kristín',
  'Paolo',
  'Giulia',
  'Marco',
  'Chiara',
  'Tomás',
  'Beatriz',
  'João',
  'Renée',
  'Hannah',
  'David',
  'Sarah',
  'Michael',
  'Laura',
  'Daniel',
  'Julia',
  'Peter',
  'Maria',
  'Thomas',
  'Elena',
  'Andreas',
  'Katarzyna',
  'Piotr',
  'Erik',
  'Karin',
  'Lars',
  'Ulla',
  'Göran',
  'Maja',
];
const LAST_NAMES = [
  'Johnson',
  'Andersson',
  'Öström',
  'Müller',
  'Nielsen',
  'García',
  'Fernández',
  'Kowalski',
  'Nowak',
  'Dubois',
  'Lefèvre',
  'Rossi',
  'Bianchi',
  'Smith',
  'Jones',
  'Williams',
  'Brown',
  'Davies',
  'Wilson',
  'Taylor',
  'Robinson',
  'Thompson',
  'Jackson',
  'Peterson',
  'Larsson',
  'Karlsson',
  'Nilsson',
  'Eriksson',
  'Svensson',
  'Gustafsson',
  'Jönsson',
  'Håkansson',
  'Sørensen',
  'Jørgensen',
  'Virtanen',
  'Korhonen',
  'Mäkinen',
  'Novák',
  'Dvořáková',
  'Horváth',
  'Nagy',
  'Popescu',
  'Ionescu',
  'Petrović',
  'Jovanović',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Schäfer',
  'Koch',
  'Bauer',
  'Richter',
  'Klein',
  'Wolf',
  'Schröder',
  'Neumann',
  'Zimmermann',
  'Krüger',
  "O'Brien",
  'Murphy',
  'Kelly',
  'Walsh',
  'Ó Súilleabháin',
  'Costa',
  'Silva',
  'Santos',
  'Pereira',
  'Oliveira',
  'Yamamoto',
  'Tanaka',
  'Nakamura',
  'Chen',
  'Wang',
  'Li',
  'Zhang',
  'Patel',
  'Sharma',
  'Singh',
  'Kumar',
  'Mensah',
  'Okafor',
  'Haddad',
  'Khalil',
  'Cohen',
  'Levi',
  'Ivanov',
  'Smirnov',
  'Kuznetsov',
  'Popov',
  'Vasquez',
  'Morales',
  'Herrera',
  'Medina',
  'Castro',
  'Ortiz',
  'Hansson',
];
const NOTES = [
  'Prefers email',
  'On parental leave until spring',
  'Works remotely',
  'Needs accessibility keyboard',
  'Part-time, mornings',
  'Key holder for the office',
  'Mentor for new starters',
];

/** A small, fast, seeded generator (mulberry32): reproducible data without a dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ASCII-only login names: diacritics folded, spaces and apostrophes dropped. */
function loginPart(name: string): string {
  return transliterate(name)
    .replace(/[^A-Za-z-]/g, '')
    .toLowerCase();
}

/** Users 1…managerCount are the managers; the generator needs their names for their reports. */
export function managerCount(total: number): number {
  return Math.max(1, Math.floor(total * 0.02));
}

export interface SyntheticUser {
  id: number;
  row: Record<string, string | number | null>;
  memberships: Record<'groups' | 'teams' | 'companies' | 'addons' | 'databases', number[]>;
}

/** Ids of the reference rows, by list, as they were inserted (index 0 has id 1, …). */
export type ReferenceIds = Record<ReferenceListName, number[]>;

/**
 * The user with this id (1-based). The first 2 % are managers: everyone else reports to one of
 * them, and managers report to the first few managers.
 */
export function syntheticUser(
  id: number,
  total: number,
  ids: ReferenceIds,
  now: number,
  random: () => number,
  nameOf: (id: number) => string,
): SyntheticUser {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const some = (list: readonly number[], most: number) => {
    const count = 1 + Math.floor(random() * most);
    return [...new Set(Array.from({ length: count }, () => pick(list)))];
  };
  const first = pick(FIRST_NAMES);
  const last = pick(LAST_NAMES);
  const username = `${loginPart(first)}.${loginPart(last)}${id}`;
  const managers = managerCount(total);
  const supervisorId =
    id === 1
      ? null
      : id <= managers
        ? 1 + Math.floor(random() * Math.min(id - 1, 20))
        : 1 + Math.floor(random() * managers);
  const roll = random();
  const groupIds = some(ids.groups, 2);
  const teamIds = random() < 0.6 ? some(ids.teams, 1) : [];
  const companyIds = some(ids.companies, 2);
  const addonIds = random() < 0.3 ? some(ids.addons, 2) : [];
  const databaseIds = some(ids.databases, 3);
  const territoryIndex = Math.floor(random() * ids.territories.length);
  const roleIndex = id <= managers ? 1 : 2 + Math.floor(random() * (ids.roles.length - 2));
  const typeIndex = Math.floor(random() ** 2 * ids.userTypes.length);
  const created = now - Math.floor(random() * 5 * 365 * 86_400_000);
  const lastSignin = random() < 0.8 ? now - Math.floor(random() * 365 * 86_400_000) : null;
  const notes = random() < 0.05 ? pick(NOTES) : '';
  const email = random() < 0.95 ? `${username}@example.com` : '';
  const phone = `+46 70 ${String(Math.floor(random() * 1e7)).padStart(7, '0')}`;
  const extension = String(1000 + Math.floor(random() * 9000));
  const fullName = `${first} ${last}`;
  const signature = `${first[0]}${last[0]}`.toUpperCase();
  const lists = REFERENCE_LISTS;
  const derived = deriveFields({
    username,
    firstName: first,
    lastName: last,
    fullName,
    signature,
    email,
    phone,
    extension,
    notes,
    territory: lists.territories[territoryIndex]!,
    role: lists.roles[roleIndex]!,
    userType: lists.userTypes[typeIndex]!,
    supervisor: supervisorId === null ? null : nameOf(supervisorId),
    groups: groupIds.map((g) => lists.groups[ids.groups.indexOf(g)]!),
    teams: teamIds.map((g) => lists.teams[ids.teams.indexOf(g)]!),
    companies: companyIds.map((g) => lists.companies[ids.companies.indexOf(g)]!),
    addons: addonIds.map((g) => lists.addons[ids.addons.indexOf(g)]!),
    databases: databaseIds.map((g) => lists.databases[ids.databases.indexOf(g)]!),
  });
  return {
    id,
    row: {
      username,
      first_name: first,
      last_name: last,
      full_name: fullName,
      signature,
      email,
      phone,
      extension,
      user_type_id: ids.userTypes[typeIndex]!,
      role_id: ids.roles[roleIndex]!,
      territory_id: ids.territories[territoryIndex]!,
      supervisor_id: supervisorId,
      licence_type: roll < 0.6 ? 'full' : roll < 0.85 ? 'viewer' : 'none',
      status: random() < 0.85 ? 'active' : 'inactive',
      two_step_enabled: random() < 0.3 ? 1 : 0,
      kind: random() < 0.02 ? 'resource' : 'user',
      notes,
      last_signin_at: lastSignin,
      created_at: created,
      updated_at: created,
      search_doc: derived.searchDoc,
      name_sort: derived.nameSort,
      groups_sort: derived.groupsSort,
      teams_sort: derived.teamsSort,
      companies_sort: derived.companiesSort,
      addons_sort: derived.addonsSort,
      databases_sort: derived.databasesSort,
      territory_sort: derived.territorySort,
      role_sort: derived.roleSort,
      user_type_sort: derived.userTypeSort,
      supervisor_sort: derived.supervisorSort,
    },
    memberships: { groups: groupIds, teams: teamIds, companies: companyIds, addons: addonIds, databases: databaseIds },
  };
}
