/**
 * What kind of message a broadcast is. The category names the banner's colour in the portal and
 * a word before the subject in the list; it is a fixed list, as each needs its own style.
 */
export const BROADCAST_CATEGORIES = {
  information: 'Information',
  warning: 'Warning',
  maintenance: 'Maintenance',
  outage: 'Outage',
  resolved: 'Resolved',
} as const;

export type BroadcastCategory = keyof typeof BROADCAST_CATEGORIES;

export const isBroadcastCategory = (value: unknown): value is BroadcastCategory =>
  typeof value === 'string' && Object.hasOwn(BROADCAST_CATEGORIES, value);

/** The category in words; a category no longer in the list reads as information. */
export const categoryLabel = (category: string) =>
  isBroadcastCategory(category) ? BROADCAST_CATEGORIES[category] : BROADCAST_CATEGORIES.information;
