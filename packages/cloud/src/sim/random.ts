/**
 * Seeded randomness for the simulated cloud. Every value the sim produces derives from 32-bit
 * hashes of (seed, resource index, ...), never from Math.random, so a fleet is reproducible
 * anywhere and resource i does not depend on how many resources come before or after it.
 */

const GOLDEN = 0x9e3779b9;

/** The murmur3 finaliser: a bijection on 32-bit integers with good avalanche. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The inverse of fmix32, so a resource index can be read back from the token in its id. */
export function unfmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7ed1b41d);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, 0xa5cb9243);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two 32-bit values into a well-mixed third, for seeds of derived streams. */
export function mix(a: number, b: number): number {
  return fmix32((a ^ fmix32((b + GOLDEN) >>> 0)) >>> 0);
}

export function hashString(text: string): number {
  // FNV-1a spreads the characters, the finaliser fixes FNV's weak low bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** 8 lower-case hex digits; a table lookup, as Number#toString(16) is slow for millions of ids. */
export function hex8(value: number): string {
  return BYTE_HEX[value >>> 24]! + BYTE_HEX[(value >>> 16) & 255]! + BYTE_HEX[(value >>> 8) & 255]! + BYTE_HEX[value & 255]!;
}

/** A weighted choice, its cumulative weights computed once. */
export interface WeightedTable<T> {
  readonly items: readonly T[];
  readonly cumulative: Float64Array;
  readonly total: number;
}

export function weighted<T>(entries: readonly (readonly [T, number])[]): WeightedTable<T> {
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach(([, weight], index) => {
    total += weight;
    cumulative[index] = total;
  });
  return { items: entries.map(([item]) => item), cumulative, total };
}

/** A range for log-uniform draws, its logarithms taken once. */
export interface LogRange {
  ln_min: number;
  ln_max: number;
}

export function logRange(min: number, max: number): LogRange {
  return { ln_min: Math.log(min), ln_max: Math.log(max) };
}

/** mulberry32: tiny state, fast, and plenty for picking fleet attributes. */
export class Rng {
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Log-uniform within the range: magnitudes (bytes, requests) spread over decades. */
  logBetween(range: LogRange): number {
    return Math.exp(this.between(range.ln_min, range.ln_max));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(table: WeightedTable<T>): T {
    const target = this.next() * table.total;
    const { cumulative, items } = table;
    for (let i = 0; i < cumulative.length - 1; i++) {
      if (target < cumulative[i]!) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  hex(digits: number): string {
    let text = '';
    while (text.length < digits) text += hex8(this.uint32());
    return text.slice(0, digits);
  }
}
