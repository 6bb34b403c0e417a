/**
 * Dates as an administrator reads them: in their own time zone, in words ("27 Nov 2026, 06:50"),
 * never as stored (epoch milliseconds, ISO strings in UTC). Every page that shows a date goes
 * through here, so the whole console agrees on one zone and one format.
 */

/** Until an administrator's zone is known (chosen, or sent by their browser), dates are in UTC. */
export const UTC = 'UTC';

/**
 * The zones an administrator may choose: the runtime's own list, which is what Intl can format.
 * It leaves out "UTC" itself (it lists only regions), so that is added.
 */
export const TIME_ZONES: readonly string[] = [UTC, ...Intl.supportedValuesOf('timeZone').filter((z) => z !== UTC)];
const KNOWN = new Set(TIME_ZONES);

/** A zone as people write it: "America/New York", not "America/New_York". */
export const zoneLabel = (zone: string) => zone.replaceAll('_', ' ');

export function isTimeZone(value: unknown): value is string {
  return typeof value === 'string' && KNOWN.has(value);
}

export interface DateWords {
  /** The IANA name dates are shown in. */
  zone: string;
  /** Whether the administrator's zone is known; if not, the page says the dates are UTC. */
  known: boolean;
  /** "27 Nov 2026, 06:50"; a dash for no date. Until the zone is known it says so: "… 05:50 UTC". */
  when(date: Date | null | undefined): string;
  /** To the second, for logs where order within a minute matters: "27 Nov 2026, 06:50:12". */
  exact(date: Date | null | undefined): string;
  /** The first millisecond of a calendar day (YYYY-MM-DD) in this zone. */
  dayStart(day: string): number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string, seconds: boolean): Intl.DateTimeFormat {
  const key = `${zone} ${seconds}`;
  let found = formats.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
    });
    formats.set(key, found);
  }
  return found;
}

const valid = (date: Date | null | undefined): date is Date => date instanceof Date && !Number.isNaN(date.getTime());

/** A zone's wall-clock reader, made once: making one costs about a tenth of a millisecond. */
const wallClocks = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(zone: string): Intl.DateTimeFormat {
  let found = wallClocks.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClocks.set(zone, found);
  }
  return found;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instant: number, zone: string): number {
  const parts = Object.fromEntries(
    wallClockFormat(zone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Midnight of a day in a zone. */
export const zonedDayStart = (day: string, zone: string): number => zonedInstant(day, '00:00', zone);

/**
 * The instant a zone's wall clock shows a day (YYYY-MM-DD) and time (HH:MM). Checked twice, as
 * the offset at that time may differ from the offset a few hours either side.
 */
export function zonedInstant(day: string, time: string, zone: string): number {
  const wallAsUtc = Date.parse(`${day}T${time}:00Z`);
  const first = wallAsUtc - offsetAt(wallAsUtc, zone);
  return wallAsUtc - offsetAt(first, zone);
}

/** What a zone's wall clock shows at an instant, as a date field and a time field take it. */
export function wallClock(date: Date, zone: string): { day: string; time: string } {
  const local = new Date(Math.floor(date.getTime() / 60_000) * 60_000 + offsetAt(date.getTime(), zone));
  const iso = local.toISOString();
  return { day: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** The words for dates in a zone; an unknown or missing zone gives UTC. */
export function dateWords(zone: string | null | undefined): DateWords {
  const known = isTimeZone(zone);
  const chosen = known ? zone : UTC;
  // The administrator's own zone goes without saying; a stand-in must be named.
  const named = known ? '' : ` ${UTC}`;
  return {
    zone: chosen,
    known,
    when: (date) => (valid(date) ? format(chosen, false).format(date) + named : '—'),
    exact: (date) => (valid(date) ? format(chosen, true).format(date) + named : '—'),
    dayStart: (day) => zonedDayStart(day, chosen),
  };
}
