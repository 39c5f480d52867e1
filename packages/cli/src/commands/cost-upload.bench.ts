/**
 * The memory of `stratus costs import` uploading a large file to a server slower than the disk (any
 * real one): the CLI's API client (undici's request, sent as read) beside the baseline of fetch
 * with a streamed body (duplex half), which reads the file ahead of the socket. Each client runs in
 * a process of its own, whose peak RSS (VmHWM) is printed. BENCH_UPLOAD_MB sets the file's size
 * (400 by default). `scripts/bench.sh cost-upload`; it writes its file to a temporary directory and
 * removes it, and stops by itself.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { peakRssMiB } from '@stratus/testing/memory';
import { apiClient } from '../api-client.ts';

const MB = Number(process.env.BENCH_UPLOAD_MB ?? 400);
/** The CLI's client stays under this, whatever the file's size. */
const TARGET_MIB = 256;

const [mode, url, file] = process.argv.slice(2);
if (mode === 'fetch' || mode === 'cli') {
  // One client, in its own process: send the file, print what it received and this process's peak.
  let received: string;
  if (mode === 'fetch') {
    const response = await fetch(url!, { method: 'POST', body: createReadStream(file!) as never, duplex: 'half' } as RequestInit);
    received = await response.text();
  } else {
    process.env.STRATUS_URL = url;
    process.env.STRATUS_TOKEN = 'bench';
    received = String(await (await apiClient()).request<number>('POST', '/v1/upload', { body: createReadStream(file!), contentType: 'text/csv' }));
  }
  console.log(JSON.stringify({ received: Number(received), peak: peakRssMiB() }));
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'stratus-upload-bench-'));
const server = createServer(async (request, response) => {
  // A server that takes each chunk a millisecond after the last: slower than the disk, as a real one is.
  let bytes = 0;
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    await sleep(1);
  }
  response.setHeader('content-type', 'application/json');
  response.end(String(bytes));
});
try {
  const path = join(dir, 'focus.csv');
  const handle = await open(path, 'w');
  const block = Buffer.alloc(2 ** 20, 'a');
  for (let written = 0; written < MB; written += 1) await handle.write(block);
  await handle.close();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const self = fileURLToPath(import.meta.url);
  const run = async (client: 'fetch' | 'cli') => {
    // Asynchronously: this process serves the upload meanwhile.
    const { stdout } = await promisify(execFile)(process.execPath, [self, client, client === 'fetch' ? `${address}/v1/upload` : address, path], { timeout: 300_000 });
    const { received, peak } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { received: number; peak: number };
    if (received !== MB * 2 ** 20) throw new Error(`${client}: the server received ${received} bytes of ${MB * 2 ** 20}`);
    return peak;
  };
  const fetchPeak = await run('fetch');
  const cliPeak = await run('cli');
  console.log(`upload of a ${MB} MiB file to a server slower than the disk, peak RSS of the client process`);
  console.log(`  baseline fetch, streamed body (duplex half)   ${fetchPeak.toFixed(0).padStart(6)} MiB`);
  console.log(`  stratus costs import's client (undici)        ${cliPeak.toFixed(0).padStart(6)} MiB  (target < ${TARGET_MIB} MiB)`);
  console.log(`  ratio client / baseline                       ${(cliPeak / fetchPeak).toFixed(2)}`);
} finally {
  server.close();
  await rm(dir, { recursive: true, force: true });
}
