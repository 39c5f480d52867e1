import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, port, serviceEnv } from './index.ts';

const env = serviceEnv.extend({ PORT: port.default(8081) });
const valid = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/stratus', KAFKA_BROKERS: '127.0.0.1:9092' };

function issuesOf(input: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and parses lists, numbers and flags', () => {
    const config = loadConfig(env, { ...valid, KAFKA_BROKERS: 'a:1, b:2', LOG_PRETTY: 'false', SHUTDOWN_GRACE_MS: '500' });
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.PORT).toBe(8081);
    expect(config.LOG_PRETTY).toBe(false);
    expect(config.SHUTDOWN_GRACE_MS).toBe(500);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.DATABASE_PREPARED_STATEMENTS).toBe(true);
    expect(loadConfig(env, { ...valid, DATABASE_PREPARED_STATEMENTS: 'false' }).DATABASE_PREPARED_STATEMENTS).toBe(false);
  });

  it('names a missing DATABASE_URL and says what it should look like', () => {
    const [issue] = issuesOf({ KAFKA_BROKERS: '127.0.0.1:9092' });
    expect(issue).toMatch(/^DATABASE_URL is not set: .*postgres:\/\/postgres@127\.0\.0\.1:5432\/stratus/);
  });

  it('names a missing KAFKA_BROKERS and says what it should look like', () => {
    const [issue] = issuesOf({ DATABASE_URL: valid.DATABASE_URL });
    expect(issue).toBe('KAFKA_BROKERS is not set: must be a comma-separated host:port list (e.g. 127.0.0.1:9092; scripts/kafka.sh start runs one locally)');
  });

  it('reports every bad variable at once, by name', () => {
    const issues = issuesOf({ DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'broker-without-port', PORT: '99999' });
    expect(issues.map((issue) => issue.split(' ')[0])).toEqual(['DATABASE_URL', 'KAFKA_BROKERS', 'PORT']);
    expect(issues[1]).toContain('host:port');
    expect(new ConfigError(issues).message).toContain('  - PORT is invalid');
  });

  it('takes only variables its schema names', () => {
    const config = loadConfig(z.object({ A: z.string() }), { A: 'x', B: 'y' });
    expect(config).toEqual({ A: 'x' });
  });
});
