import { describe, expect, it } from 'vitest';
import { desiredState, lastScheduledChange, nextScheduledChange, parseScheduleSpec, ScheduleSpecError, withHolidays } from './schedule-spec.ts';

const PARIS = 'off=(M-F,19);on=(M-F,7);tz=Europe/Paris';
const at = (iso: string) => new Date(iso);

function errorOf(text: string): ScheduleSpecError {
  try {
    parseScheduleSpec(text);
  } catch (error) {
    if (error instanceof ScheduleSpecError) return error;
    throw error;
  }
  throw new Error(`"${text}" parsed`);
}

describe('parseScheduleSpec', () => {
  it("reads Custodian's syntax: ranges, lists, several rules, a zone, holidays", () => {
    expect(parseScheduleSpec(PARIS)).toEqual({
      off: [{ days: [1, 2, 3, 4, 5], hour: 19 }],
      on: [{ days: [1, 2, 3, 4, 5], hour: 7 }],
      tz: 'Europe/Paris',
      holidays: [],
    });
    expect(parseScheduleSpec('off=[(M-F,21),(U,18)]; on=[(m,w,f,6),(S-M,10)];tz=America/New_York;holidays=(2026-12-25, 2027-01-01)')).toEqual({
      off: [{ days: [1, 2, 3, 4, 5], hour: 21 }, { days: [7], hour: 18 }],
      on: [{ days: [1, 3, 5], hour: 6 }, { days: [1, 6, 7], hour: 10 }],
      tz: 'America/New_York',
      holidays: ['2026-12-25', '2027-01-01'],
    });
    expect(parseScheduleSpec('off=(U,1)').tz).toBe('UTC');
  });

  it.each([
    ['off=(M-X,19)', 7, "expected a day (M T W H F S U), found 'X,19)'"],
    ['off=(M-F,24);on=(M-F,7)', 9, "expected an hour from 0 to 23, found '24'"],
    ['off=(M-F,19', 11, "expected ')', found end of input"],
    ['off=(M-F,19);tz=Europe/Pariss', 16, "expected an IANA time zone such as Europe/Paris, found 'Europe/Pariss'"],
    ['of=(M-F,19)', 0, "expected off, on, tz or holidays, found 'of'"],
    ['off=(M-F,19);holidays=(2026-13-01)', 23, "expected a date YYYY-MM-DD, found '2026-13-01'"],
    ['off=(M-F,19);off=(U,1)', 13, 'off is given twice'],
    ['tz=UTC', 0, 'expected at least one off or on term'],
    ['off=(M,7);on=(M-F,7)', 0, 'off and on both at 7:00 on M: the desired state would be ambiguous'],
    ['off=(19)', 5, 'expected a day (M T W H F S U) before the hour, found \'19)\''],
  ])('%s fails at %i: %s', (text, offset, message) => {
    const error = errorOf(text);
    expect(error.offset).toBe(offset);
    expect(error.message).toBe(`at ${offset}: ${message}`);
  });
});

describe('desiredState and lastScheduledChange', () => {
  const paris = parseScheduleSpec(PARIS);

  it('follows Paris wall-clock hours across the spring change (CET +1, then CEST +2)', () => {
    // Friday 27 March 2026, CET: 19:00 Paris is 18:00 UTC.
    expect(desiredState(paris, at('2026-03-27T17:59:00Z'))).toBe('running');
    expect(lastScheduledChange(paris, at('2026-03-27T18:00:00Z'))).toEqual({ at: at('2026-03-27T18:00:00Z'), state: 'stopped' });
    // The weekend (and the change in the night of Sunday 29) keep Friday's state.
    expect(lastScheduledChange(paris, at('2026-03-30T04:59:00Z'))).toEqual({ at: at('2026-03-27T18:00:00Z'), state: 'stopped' });
    // Monday 30 March, CEST: 07:00 Paris is 05:00 UTC, 19:00 is 17:00 UTC.
    expect(lastScheduledChange(paris, at('2026-03-30T05:00:00Z'))).toEqual({ at: at('2026-03-30T05:00:00Z'), state: 'running' });
    expect(desiredState(paris, at('2026-03-30T16:59:00Z'))).toBe('running');
    expect(desiredState(paris, at('2026-03-30T17:00:00Z'))).toBe('stopped');
    expect(nextScheduledChange(paris, at('2026-03-27T18:00:00Z'))).toEqual({ at: at('2026-03-30T05:00:00Z'), state: 'running' });
  });

  it('follows New York across the autumn change (EDT -4, then EST -5)', () => {
    const ny = parseScheduleSpec('off=(M-U,19);on=(M-U,7);tz=America/New_York');
    expect(lastScheduledChange(ny, at('2026-10-31T23:30:00Z'))).toEqual({ at: at('2026-10-31T23:00:00Z'), state: 'stopped' });
    // Sunday 1 November: clocks go back at 02:00; 07:00 EST is 12:00 UTC.
    expect(desiredState(ny, at('2026-11-01T11:59:00Z'))).toBe('stopped');
    expect(lastScheduledChange(ny, at('2026-11-01T12:00:00Z'))).toEqual({ at: at('2026-11-01T12:00:00Z'), state: 'running' });
    expect(nextScheduledChange(ny, at('2026-11-01T12:00:00Z'))).toEqual({ at: at('2026-11-02T00:00:00Z'), state: 'stopped' });
  });

  it('places an hour the spring change skips at the hour after it, once', () => {
    const night = parseScheduleSpec('off=(U,2);on=(U,5);tz=Europe/Paris');
    // Sunday 29 March 2026: 02:00 does not exist in Paris; 03:00 CEST is 01:00 UTC.
    expect(lastScheduledChange(night, at('2026-03-29T02:00:00Z'))).toEqual({ at: at('2026-03-29T01:00:00Z'), state: 'stopped' });
  });

  it('skips holidays: no change on them, the state before carries over', () => {
    const spec = withHolidays(paris, ['2026-12-25']);
    // Thursday 24 December 19:00 stopped; Friday 25 is a holiday: no start at 07:00.
    expect(desiredState(spec, at('2026-12-25T10:00:00Z'))).toBe('stopped');
    expect(nextScheduledChange(spec, at('2026-12-25T10:00:00Z'))).toEqual({ at: at('2026-12-28T06:00:00Z'), state: 'running' });
    expect(desiredState(paris, at('2026-12-25T10:00:00Z'))).toBe('running');
  });

  it('has no opinion for a spec whose days never come', () => {
    expect(desiredState(parseScheduleSpec('off=(U,3);holidays=(2026-12-06)'), at('2026-12-10T00:00:00Z'))).toBe('stopped');
    expect(lastScheduledChange(parseScheduleSpec('on=(U,3)'), at('2026-12-06T02:59:00Z'))?.at).toEqual(at('2026-11-29T03:00:00Z'));
  });
});
