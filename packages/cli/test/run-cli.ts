import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/stratus', import.meta.url));

/** Every variable the CLI reads: a test gives the ones it means, never the shell's. */
const CLI_VARIABLES = ['DATABASE_URL', 'CREDENTIALS_KEYS', 'KAFKA_BROKERS', 'KAFKA_TOPIC_PREFIX', 'STRATUS_URL', 'STRATUS_COST_URL', 'STRATUS_RECOMMENDATION_URL', 'STRATUS_AUDIT_URL', 'STRATUS_TOKEN', 'STRATUS_TOKEN_FILE'];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `stratus` executable as an operator would, with `env` as its configuration. */
export function stratus(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLI_VARIABLES.includes(name)));
  return new Promise((resolve) => {
    execFile(bin, args, { env: { ...inherited, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}
