import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StratusRole } from '@stratus/db';

/** What the console remembers of a signed-in person; the API token never leaves Redis and this process. */
export interface Session {
  user_id: string;
  organization_id: string;
  role: StratusRole;
  /** The token the gateway presents for this session (api_tokens.id and its plaintext). */
  token_id: string;
  api_token: string;
  created_at: number;
  /** Epoch ms of the absolute expiry: the session ends then, however busy. */
  expires_at: number;
}

export interface SessionTimes {
  idleMs: number;
  absoluteMs: number;
}

/**
 * Sessions in Redis under the deployment's prefix. The cookie holds a random id; Redis holds the
 * session under the id's sha256, so a copy of Redis holds no cookie that signs anyone in. Each
 * session lives min(idle, time left to its absolute expiry) from its last use.
 */
export class SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #times: SessionTimes;

  constructor(redis: Redis, prefix: string, times: SessionTimes) {
    this.#redis = redis;
    this.#prefix = `${prefix}:console`;
    this.#times = times;
  }

  get times(): SessionTimes {
    return this.#times;
  }

  #key(id: string): string {
    return `${this.#prefix}:session:${createHash('sha256').update(id).digest('hex')}`;
  }

  #userKey(userId: string): string {
    return `${this.#prefix}:user-sessions:${userId}`;
  }

  #ttl(session: Session, now: number): number {
    return Math.min(this.#times.idleMs, session.expires_at - now);
  }

  /** A new session with a new id (never one the browser sent before: the id rotates at each sign-in). */
  async create(fields: Omit<Session, 'created_at' | 'expires_at'>, now = Date.now()): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const session: Session = { ...fields, created_at: now, expires_at: now + this.#times.absoluteMs };
    const key = this.#key(id);
    await this.#redis
      .multi()
      .set(key, JSON.stringify(session), 'PX', this.#ttl(session, now))
      .sadd(this.#userKey(session.user_id), key)
      .pexpire(this.#userKey(session.user_id), this.#times.absoluteMs)
      .exec();
    return { id, session };
  }

  /** The live session of this id, its idle time started again; undefined when unknown or expired. */
  async touch(id: string, now = Date.now()): Promise<Session | undefined> {
    const key = this.#key(id);
    const stored = await this.#redis.get(key);
    if (!stored) return undefined;
    const session = JSON.parse(stored) as Session;
    const ttl = this.#ttl(session, now);
    if (ttl <= 0) {
      await this.#redis.del(key);
      return undefined;
    }
    await this.#redis.pexpire(key, ttl);
    return session;
  }

  /** Forgets the session of this id and returns it, so that its token can be revoked. */
  async destroy(id: string): Promise<Session | undefined> {
    return this.#take(this.#key(id));
  }

  /** Forgets every session of a user (disabled, or given another role) and returns them. */
  async destroyAllOf(userId: string): Promise<Session[]> {
    const keys = await this.#redis.smembers(this.#userKey(userId));
    const sessions = await Promise.all(keys.map((key) => this.#take(key)));
    await this.#redis.del(this.#userKey(userId));
    return sessions.filter((session) => session !== undefined);
  }

  async #take(key: string): Promise<Session | undefined> {
    const stored = await this.#redis.getdel(key);
    if (!stored) return undefined;
    const session = JSON.parse(stored) as Session;
    await this.#redis.srem(this.#userKey(session.user_id), key);
    return session;
  }
}
