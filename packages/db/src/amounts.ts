/**
 * Money amounts as whole units of 10^-24 (bigint): cost lines are numeric(38, 24), sums of them
 * keep that scale, and the events' decimal strings convert exactly, so sums, forecasts and
 * percentages never round through floats.
 */

const SCALE = 24;
const MICRO = 10n ** BigInt(SCALE - 6);

export function toUnits(amount: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,24}))?$/.exec(amount);
  if (!match) throw new TypeError(`not an amount with at most ${SCALE} decimals: ${JSON.stringify(amount)}`);
  const units = BigInt(match[2]! + (match[3] ?? '').padEnd(SCALE, '0'));
  return match[1] ? -units : units;
}

/** The amount's text as the API shows amounts (stratus_amount_text): at least 6 decimals, more only when not zeros. */
export function fromUnits(units: bigint): string {
  const digits = (units < 0n ? -units : units).toString().padStart(SCALE + 1, '0');
  let fraction = digits.slice(-SCALE);
  let end = fraction.length;
  while (end > 6 && fraction.charCodeAt(end - 1) === 48) end -= 1;
  fraction = fraction.slice(0, end);
  return `${units < 0n ? '-' : ''}${digits.slice(0, -SCALE)}.${fraction}`;
}

/** numerator / denominator rounded half away from zero (denominator > 0). */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const half = numerator < 0n ? -denominator / 2n : denominator / 2n;
  return (numerator + half) / denominator;
}

/** An estimate (a rate, a forecast) in units, rounded to millionths: its later decimals mean nothing. */
export function estimate(numerator: bigint, denominator: bigint): bigint {
  return divideRounded(numerator, denominator * MICRO) * MICRO;
}
