/**
 * A bar chart of one value per day, drawn as SVG on the server: no chart library runs in the
 * browser, and the strict CSP allows no inline style, so the geometry is worked out here and
 * the template writes it as plain SVG attributes. The same values go out as a table for
 * screen readers and as the chart's text description.
 */

export interface DayValue {
  /** YYYY-MM-DD (UTC). */
  day: string;
  value: number;
  /** Where a bar leads, when the day can be shown elsewhere. */
  href?: string;
}

export interface Bar extends DayValue {
  x: number;
  y: number;
  width: number;
  height: number;
  /** "Mon 3 Nov: 12", for the bar's tooltip and the table. */
  words: string;
}

export interface BarChart {
  width: number;
  height: number;
  bars: Bar[];
  max: number;
  total: number;
  /** One sentence for the chart's description. */
  summary: string;
  /** The first and last day's labels, under the axis. */
  firstLabel: string;
  lastLabel: string;
  /** Where the axis line is drawn. */
  baseline: number;
}

const WIDTH = 300;
const HEIGHT = 80;
const GAP = 2;

const DAY_WORDS = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});
export const dayWords = (day: string) => DAY_WORDS.format(new Date(`${day}T00:00:00Z`));

/** The days from `from` to `to` inclusive, as YYYY-MM-DD (UTC). */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let at = Date.parse(from.toISOString().slice(0, 10)); at <= to.getTime(); at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

export function barChart(values: DayValue[], noun: { one: string; many: string }): BarChart {
  const max = Math.max(0, ...values.map((v) => v.value));
  const total = values.reduce((sum, v) => sum + v.value, 0);
  const slot = WIDTH / Math.max(1, values.length);
  const bars = values.map((v, i) => {
    // A day with none still shows a sliver on the axis, so the days read as a row.
    const height = max === 0 ? 1 : Math.max(1, Math.round((v.value / max) * HEIGHT));
    const words = `${dayWords(v.day)}: ${v.value.toLocaleString('en')}`;
    return { ...v, x: +(i * slot).toFixed(2), y: HEIGHT - height, width: +(slot - GAP).toFixed(2), height, words };
  });
  const busiest = bars.reduce<Bar | undefined>((best, b) => (best && best.value >= b.value ? best : b), undefined);
  const count = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? noun.one : noun.many}`;
  const summary =
    total === 0
      ? `No ${noun.many} in the last ${values.length} days.`
      : `${count(total)} in the last ${values.length} days; the most on ${dayWords(busiest!.day)}, ${count(busiest!.value)}.`;
  return {
    width: WIDTH,
    height: HEIGHT,
    bars,
    max,
    total,
    summary,
    firstLabel: values[0] ? dayWords(values[0].day) : '',
    lastLabel: values.at(-1) ? dayWords(values.at(-1)!.day) : '',
    baseline: HEIGHT,
  };
}
