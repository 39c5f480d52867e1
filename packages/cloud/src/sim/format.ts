/**
 * Text formats of the sim's output. Money leaves as decimal strings: amounts are computed in
 * float64 (a day of one resource is far from where float64 loses cents) and cut to a fixed number
 * of fractional digits.
 */
export function decimalText(value: number, digits: number): string {
  const text = value.toFixed(digits);
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

/** The rounding list prices get, so what metadata shows is exactly what costs are computed from. */
export function roundPrice(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export const DAY_MS = 86_400_000;
const dayTexts = new Map<number, string>();
const pad2 = (value: number) => (value < 10 ? `0${value}` : `${value}`);

/**
 * Date#toISOString without a Date: discovery formats hundreds of thousands of timestamps, and
 * fleets reuse a few thousand days, whose text is cached.
 */
export function isoTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let dayText = dayTexts.get(day);
  if (dayText === undefined) {
    dayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayTexts.set(day, dayText);
  }
  const inDay = ms - day * DAY_MS;
  const seconds = Math.floor(inDay / 1000);
  const millis = inDay - seconds * 1000;
  return `${dayText}${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
