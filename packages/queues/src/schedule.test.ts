import { describe, expect, it } from 'vitest';
import { InvalidScheduleError, nextRuns, repeatOptionsOf } from './schedule.ts';

/** "2026-03-29 09:00 GMT+2": the wall clock of the zone, with the offset in force then. */
function wallClock(date: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('cron schedules in a time zone', () => {
  it('keeps 09:00 on the Paris wall clock across the spring change (2026-03-29): one hour earlier in UTC', () => {
    const runs = nextRuns({ pattern: '0 9 * * *', tz: 'Europe/Paris' }, new Date('2026-03-27T12:00:00Z'), 4);
    expect(runs.map((run) => wallClock(run, 'Europe/Paris'))).toEqual([
      '2026-03-28 09:00 GMT+1',
      '2026-03-29 09:00 GMT+2',
      '2026-03-30 09:00 GMT+2',
      '2026-03-31 09:00 GMT+2',
    ]);
    expect(iso(runs)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-03-31T07:00:00.000Z']);
  });

  it('keeps 09:00 on the Paris wall clock across the autumn change (2026-10-25): one hour later in UTC', () => {
    const runs = nextRuns({ pattern: '0 9 * * *', tz: 'Europe/Paris' }, new Date('2026-10-24T12:00:00Z'), 2);
    expect(runs.map((run) => wallClock(run, 'Europe/Paris'))).toEqual(['2026-10-25 09:00 GMT+1', '2026-10-26 09:00 GMT+1']);
    expect(iso(runs)).toEqual(['2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  it('runs a time the spring change skips an hour later that day, and a repeated autumn time once', () => {
    const spring = nextRuns({ pattern: '30 2 * * *', tz: 'Europe/Paris' }, new Date('2026-03-28T12:00:00Z'), 2);
    expect(spring.map((run) => wallClock(run, 'Europe/Paris'))).toEqual(['2026-03-29 03:30 GMT+2', '2026-03-30 02:30 GMT+2']);

    const autumn = nextRuns({ pattern: '30 2 * * *', tz: 'Europe/Paris' }, new Date('2026-10-24T12:00:00Z'), 2);
    expect(autumn.map((run) => wallClock(run, 'Europe/Paris'))).toEqual(['2026-10-25 02:30 GMT+2', '2026-10-26 02:30 GMT+1']);
  });

  it('an hourly pattern skips the missing hour and keeps both of the repeated one: every run an hour apart in real time', () => {
    const spring = nextRuns({ pattern: '0 * * * *', tz: 'Europe/Paris' }, new Date('2026-03-28T23:30:00Z'), 3);
    expect(spring.map((run) => wallClock(run, 'Europe/Paris'))).toEqual(['2026-03-29 01:00 GMT+1', '2026-03-29 03:00 GMT+2', '2026-03-29 04:00 GMT+2']);

    const autumn = nextRuns({ pattern: '0 * * * *', tz: 'Europe/Paris' }, new Date('2026-10-24T23:30:00Z'), 3);
    expect(autumn.map((run) => wallClock(run, 'Europe/Paris'))).toEqual(['2026-10-25 02:00 GMT+2', '2026-10-25 02:00 GMT+1', '2026-10-25 03:00 GMT+1']);
    expect(autumn[1]!.getTime() - autumn[0]!.getTime()).toBe(3_600_000);
  });

  it('follows New York across its own changes (2026-03-08 and 2026-11-01), on weekdays only', () => {
    const spring = nextRuns({ pattern: '0 9 * * 1-5', tz: 'America/New_York' }, new Date('2026-03-06T12:00:00Z'), 2);
    expect(spring.map((run) => wallClock(run, 'America/New_York'))).toEqual(['2026-03-06 09:00 GMT-5', '2026-03-09 09:00 GMT-4']);
    expect(iso(spring)).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);

    const autumn = nextRuns({ pattern: '0 9 * * 1-5', tz: 'America/New_York' }, new Date('2026-10-30T12:00:00Z'), 2);
    expect(autumn.map((run) => wallClock(run, 'America/New_York'))).toEqual(['2026-10-30 09:00 GMT-4', '2026-11-02 09:00 GMT-5']);
  });

  it('starts no earlier than startAt', () => {
    const runs = nextRuns({ pattern: '0 9 * * *', tz: 'UTC', startAt: new Date('2027-01-10T00:00:00Z') }, new Date('2026-12-01T00:00:00Z'), 1);
    expect(iso(runs)).toEqual(['2027-01-10T09:00:00.000Z']);
  });

  it('refuses an unknown zone, a bad pattern and a bad interval, naming them', () => {
    expect(() => repeatOptionsOf({ pattern: '0 9 * * *', tz: 'Europe/Pariss' })).toThrow(InvalidScheduleError);
    expect(() => repeatOptionsOf({ pattern: '0 9 * * *', tz: 'Europe/Pariss' })).toThrow(/unknown time zone "Europe\/Pariss"/);
    expect(() => repeatOptionsOf({ pattern: '0 25 * * *', tz: 'UTC' })).toThrow(/invalid cron pattern "0 25 \* \* \*": .*0-23/);
    expect(() => repeatOptionsOf({ pattern: '0 9 * *', tz: 'UTC' })).toThrow(/invalid cron pattern "0 9 \* \*": 4 fields; expected 5/);
    expect(() => repeatOptionsOf({ pattern: 'every day', tz: 'UTC' })).toThrow(/invalid cron pattern "every day"/);
    expect(() => repeatOptionsOf({ pattern: '0 0 30 2 *', tz: 'UTC' })).toThrow(/invalid cron pattern "0 0 30 2 \*"/);
    expect(() => repeatOptionsOf({ everyMs: 0 })).toThrow(/everyMs must be a positive whole number of milliseconds, got 0/);
    expect(() => repeatOptionsOf({ pattern: '0 9 * * *', tz: 'UTC', startAt: new Date('nope') })).toThrow(/startAt/);
  });

  it('every interval: the next multiple of the interval', () => {
    expect(iso(nextRuns({ everyMs: 3_600_000 }, new Date('2026-03-29T00:10:00Z'), 2))).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });
});
