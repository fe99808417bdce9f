/**
 * Starts `coconut serve` as a user would, on a fresh home folder holding a tiny dataset, and
 * stops it (and its engine processes) afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tinyRecords } from '../src/node/testing/fixtures.js';

export interface ServedWorkbench {
  home: string;
  openUrl: string;
  baseUrl: string;
  token: string;
  stop(): Promise<void>;
}

/** `env` adds to (or overrides) the host's environment, e.g. a PATH with a stand-in tool. */
export async function startServedWorkbench(options: { env?: Record<string, string> } = {}): Promise<ServedWorkbench> {
  const home = tempDir('coconut-e2e-');
  // Where the presets look for the quickstart dataset: the UI's templates work unchanged.
  const datasetDir = join(home.path, 'datasets', 'quickstart');
  mkdirSync(datasetDir, { recursive: true });
  // Enough records that each epoch lasts a few seconds: long enough to watch the curriculum move.
  writeFileSync(join(datasetDir, 'train.json'), JSON.stringify(tinyRecords(2000, 1)));
  writeFileSync(join(datasetDir, 'valid.json'), JSON.stringify(tinyRecords(12, 2)));

  const child: ChildProcess = spawn(process.execPath, ['bin/coconut.mjs', 'serve', '--json'], {
    env: { ...process.env, COCONUT_HOME: home.path, OMP_NUM_THREADS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`coconut serve exited with code ${code}`)));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  return {
    home: home.path,
    openUrl: url,
    baseUrl: url.split('?')[0] as string,
    token,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      home.remove();
    },
  };
}
