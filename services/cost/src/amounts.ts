/**
 * Money amounts as whole millionths (bigint): numeric(20, 6) and the events' decimal strings
 * convert to them exactly, so sums, forecasts and percentages never round through floats.
 */

export function toMicros(amount: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(amount);
  if (!match) throw new TypeError(`not an amount with at most 6 decimals: ${JSON.stringify(amount)}`);
  const micros = BigInt(match[2]! + (match[3] ?? '').padEnd(6, '0'));
  return match[1] ? -micros : micros;
}

export function fromMicros(micros: bigint): string {
  const digits = (micros < 0n ? -micros : micros).toString().padStart(7, '0');
  return `${micros < 0n ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

/** numerator / denominator rounded half away from zero (denominator > 0). */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const half = numerator < 0n ? -denominator / 2n : denominator / 2n;
  return (numerator + half) / denominator;
}
