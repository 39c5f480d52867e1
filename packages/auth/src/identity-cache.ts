/**
 * Resolved identities by token hash, for a short time and a bounded number of tokens, so a warm
 * request costs no query. Entries hold the lookup's promise, so concurrent requests with a cold
 * token share one lookup. A failed or empty lookup is not kept: the next request asks again.
 */
export class IdentityCache<T> {
  readonly #entries = new Map<string, { value: Promise<T | undefined>; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor({ ttlMs, maxEntries, now = Date.now }: { ttlMs: number; maxEntries: number; now?: () => number }) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Forgets a key, so its next request asks the database again. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  resolve(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAt > this.#now()) return cached.value;
    this.#entries.delete(key);

    const value = load();
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    const forget = () => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    };
    value.then((resolved) => resolved === undefined && forget(), forget);
    return value;
  }
}
