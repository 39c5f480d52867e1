/**
 * Starts every service as a child process with prefixed output, waits until each answers /readyz,
 * prints where they listen, restarts a service that dies (after a back-off that grows while it keeps
 * dying), and on Ctrl-C stops them all and waits for them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedDemo } from './demo.ts';

interface ServiceEntry {
  name: string;
  port: number;
  /** V8 flags the service is deployed with (its heap budget, see deploy/helm/stratus/values.yaml). */
  nodeOptions?: string;
}

const root = new URL('../../', import.meta.url).pathname;
// STRATUS_PORT_BASE moves every port at once (the end-to-end test runs beside a dev system this way).
const portBase = Number(process.env.STRATUS_PORT_BASE ?? 8081);
const services = (JSON.parse(readFileSync(new URL('./services.json', import.meta.url), 'utf8')) as ServiceEntry[]).map(
  (service, index) => ({ ...service, port: portBase + index }),
);
const host = process.env.HOST ?? '127.0.0.1';
const colors = [36, 32, 35, 33, 34];
const width = Math.max(...services.map((s) => s.name.length));
const children = new Map<string, ChildProcess>();
/** Restarts in a row per service; a service that stayed up for STABLE_MS starts again from the first delay. */
const restarts = new Map<string, number>();
const RESTART_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
const STABLE_MS = 60_000;
let stopping = false;

function prefixed(name: string, index: number) {
  return `\x1b[${colors[index % colors.length]}m${name.padEnd(width)} |\x1b[0m `;
}

/** The console's gateway reaches the other services where this launcher starts them (STRATUS_PORT_BASE moves them). */
function consoleEnv(port: number): Record<string, string> {
  const upstreams = services
    .filter((s) => s.name !== 'console')
    .map((s) => [`CONSOLE_${s.name.toUpperCase().replaceAll('-', '_')}_URL`, `http://${host}:${s.port}`]);
  return { ...Object.fromEntries(upstreams), CONSOLE_PUBLIC_URL: `http://${host}:${port}` };
}

function start(service: ServiceEntry, index: number) {
  const child = spawn(process.execPath, [`services/${service.name}/src/main.ts`], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(service.port),
      HOST: host,
      ...(service.nodeOptions ? { NODE_OPTIONS: service.nodeOptions } : {}),
      ...(service.name === 'console' ? consoleEnv(service.port) : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in the terminal reaches the launcher alone, which sends each
    // service one SIGTERM. A service that also got the terminal's SIGINT took the SIGTERM for a
    // second signal and exited at once instead of closing gracefully.
    detached: true,
  });
  children.set(service.name, child);
  const startedAt = Date.now();
  process.stdout.write(`${prefixed(service.name, index)}started (pid ${child.pid})\n`);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(prefixed(service.name, index) + line + '\n'));
  }
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (stopping) return;
    // One service down is not an outage: the others keep running while it comes back.
    const attempt = Date.now() - startedAt > STABLE_MS ? 0 : (restarts.get(service.name) ?? 0);
    restarts.set(service.name, attempt + 1);
    const delay = RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]!;
    process.stdout.write(`${prefixed(service.name, index)}exited (${signal ?? code}); restarting in ${delay / 1000} s (restart ${attempt + 1})\n`);
    setTimeout(() => {
      if (!stopping) start(service, index);
    }, delay);
  });
}

async function stopAll(exitCode: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = Date.now() + 15_000;
  while (children.size > 0 && Date.now() < deadline) await sleep(100);
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(exitCode);
}

async function waitReady(service: ServiceEntry): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (!stopping && Date.now() < deadline) {
    try {
      const response = await fetch(`http://${host}:${service.port}/readyz`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return false;
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// Detached services outlive a launcher that dies some other way unless it takes them with it.
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

services.forEach(start);
const ready = await Promise.all(services.map(waitReady));
if (!stopping) {
  if (ready.every(Boolean)) {
    const lines = services.map((s) =>
      // The console's own API is for its web app; the others' documentation is what people read.
      s.name === 'console'
        ? `  ${s.name.padEnd(width)}  http://${host}:${s.port}   (the web console)`
        : `  ${s.name.padEnd(width)}  http://${host}:${s.port}   (docs: http://${host}:${s.port}/docs)`,
    );
    process.stdout.write(`\n\x1b[1mStratus is running\x1b[0m — every service answers /readyz:\n${lines.join('\n')}\n`);
    const tokenFile = process.env.STRATUS_DEMO_TOKEN_FILE;
    if (tokenFile) {
      const demo = await seedDemo(`http://${host}:${portBase}`, tokenFile, Number(process.env.STRATUS_DEMO_RESOURCES ?? 500)).catch(
        (error: unknown) => `demo accounts not added: ${(error as Error).message}`,
      );
      process.stdout.write(
        `\nDemo: ${demo}.\nTry it:  scripts/stratus accounts list\n         scripts/stratus resources list --type vm --tag env:prod\n` +
          `         curl -H "Authorization: Bearer $(cat ${tokenFile})" http://${host}:${portBase}/v1/resources\n`,
      );
    }
    const consoleEntry = services.find((s) => s.name === 'console');
    const passwordFile = process.env.STRATUS_DEMO_PASSWORD_FILE;
    if (consoleEntry && passwordFile) {
      const password = readFileSync(passwordFile, 'utf8').trim();
      process.stdout.write(`\nConsole: http://${host}:${consoleEntry.port}  (admin@demo.stratus.local / ${password})\n`);
    }
    process.stdout.write('Press Ctrl-C to stop.\n\n');
  } else {
    const late = services.filter((_, i) => !ready[i]).map((s) => s.name);
    process.stdout.write(`\nnot ready after 60s: ${late.join(', ')}; stopping\n`);
    await stopAll(1);
  }
}
