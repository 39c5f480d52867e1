import { getNextMillis, type RepeatOptions } from 'bullmq';

/**
 * When a job scheduler creates its jobs: every `everyMs`, or at the times a cron `pattern` names on
 * the wall clock of the IANA zone `tz` (5 fields, or 6 with seconds first, as cron-parser reads
 * them). A cron schedule follows the zone's daylight-saving changes: `0 9 * * *` in Europe/Paris
 * is 08:00 UTC in winter and 07:00 UTC in summer. A time the spring change skips (02:30 in Paris on
 * the last Sunday of March) runs an hour later that day; a time the autumn change repeats runs once.
 * `startAt`: no job before it (a rule that takes effect on a date).
 */
export type Schedule = { everyMs: number } | { pattern: string; tz: string; startAt?: Date };

export class InvalidScheduleError extends Error {
  override name = 'InvalidScheduleError';
}

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** BullMQ's repeat options for the schedule, checked first: an error names the bad pattern or zone. */
export function repeatOptionsOf(schedule: Schedule): RepeatOptions {
  if ('everyMs' in schedule) {
    if (!Number.isSafeInteger(schedule.everyMs) || schedule.everyMs <= 0) {
      throw new InvalidScheduleError(`everyMs must be a positive whole number of milliseconds, got ${schedule.everyMs}`);
    }
    return { every: schedule.everyMs };
  }
  const { pattern, tz, startAt } = schedule;
  // Intl knows the IANA names; checked first because cron-parser's own error for an unknown zone
  // ("CronDate: unhandled timestamp") names neither the zone nor the problem.
  if (!isKnownTimeZone(tz)) {
    throw new InvalidScheduleError(`unknown time zone "${tz}": use an IANA name such as "Europe/Paris" or "UTC"`);
  }
  // cron-parser fills in missing fields, so "0 9 * *" would quietly mean something: refuse it.
  const fields = pattern.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new InvalidScheduleError(
      `invalid cron pattern "${pattern}": ${fields} fields; expected 5 (minute hour day-of-month month day-of-week), or 6 with seconds first`,
    );
  }
  if (startAt !== undefined && Number.isNaN(startAt.getTime())) throw new InvalidScheduleError('startAt is not a valid date');
  const options: RepeatOptions = { pattern, tz, ...(startAt === undefined ? {} : { startDate: startAt }) };
  let next: number | undefined;
  try {
    // The function BullMQ itself calls to place each job: what passes here, the scheduler can run.
    next = getNextMillis(Date.now(), options);
  } catch (error) {
    throw new InvalidScheduleError(`invalid cron pattern "${pattern}": ${error instanceof Error ? error.message : String(error)}`);
  }
  if (next === undefined) throw new InvalidScheduleError(`cron pattern "${pattern}" never matches a time in ${tz}`);
  return options;
}

/** The next `count` times the schedule runs after `from`, as the BullMQ scheduler computes them. */
export function nextRuns(schedule: Schedule, from: Date, count: number): Date[] {
  const options = repeatOptionsOf(schedule);
  const runs: Date[] = [];
  let millis = from.getTime();
  while (runs.length < count) {
    const next = getNextMillis(millis, options);
    if (next === undefined) break;
    runs.push(new Date(next));
    millis = next;
  }
  return runs;
}
