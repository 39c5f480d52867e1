import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Azurite's well-known development account (documented by Microsoft; it opens nothing real). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** The blob service address, path-style as an emulator serves it: http://127.0.0.1:<port>/devstoreaccount1. */
  endpoint: string;
  stop(): Promise<void>;
}

const bin = fileURLToPath(new URL('../node_modules/.bin/azurite-blob', import.meta.url));

/** An Azurite blob service of this test file's own, in memory, on a port the system picks. */
export async function startAzurite(): Promise<Azurite> {
  const child = spawn(bin, ['--inMemoryPersistence', '--extentMemoryLimit', '64', '--blobHost', '127.0.0.1', '--blobPort', '0', '--skipApiVersionCheck'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Azurite did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`Azurite exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const listening = /successfully listens on (http:\/\/\S+)/.exec(line);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    });
  });
  return {
    endpoint: `${url}/${AZURITE_ACCOUNT}`,
    async stop() {
      // SIGTERM waits for the clients' keep-alive connections to close; an in-memory store has nothing to save.
      child.kill('SIGKILL');
      await exited;
    },
  };
}
