import t from 'tap';
import { wallClock, zonedInstant } from '../../src/dates.js';

t.test(
  'a date and time typed in a zone is the instant that zone’s clock shows, either side of a clock change',
  async (t) => {
    // Oslo moves from UTC+1 to UTC+2 at 02:00 on 29 March 2026.
    t.equal(new Date(zonedInstant('2026-03-29', '01:30', 'Europe/Oslo')).toISOString(), '2026-03-29T00:30:00.000Z');
    t.equal(new Date(zonedInstant('2026-03-29', '12:00', 'Europe/Oslo')).toISOString(), '2026-03-29T10:00:00.000Z');
    t.equal(
      new Date(zonedInstant('2026-11-27', '09:00', 'America/New_York')).toISOString(),
      '2026-11-27T14:00:00.000Z',
    );
    t.equal(new Date(zonedInstant('2026-11-27', '09:00', 'UTC')).toISOString(), '2026-11-27T09:00:00.000Z');
  },
);

t.test('an instant reads back as the date and time fields show it in a zone', async (t) => {
  t.same(wallClock(new Date('2026-03-29T10:00:00Z'), 'Europe/Oslo'), { day: '2026-03-29', time: '12:00' });
  t.same(wallClock(new Date('2026-11-28T03:30:45Z'), 'America/New_York'), { day: '2026-11-27', time: '22:30' });
  const typed = zonedInstant('2026-07-01', '23:45', 'Asia/Kolkata');
  t.same(wallClock(new Date(typed), 'Asia/Kolkata'), { day: '2026-07-01', time: '23:45' }, 'a round trip');
});
