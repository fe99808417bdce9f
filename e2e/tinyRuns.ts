/**
 * What the specs that need trained runs share: the served API called as a script calls it (bearer
 * token), tiny models that train in seconds, graph datasets as the quickstart writes them, and
 * waiting for a run to finish.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { stringify } from 'yaml';
import { createRandom } from '../src/node/datasets/random.js';
import { generateReachabilityRecord, resolveReachabilityParams } from '../src/node/datasets/reachability.js';
import type { ServedWorkbench } from './serveHost.js';

/** A one-layer, 32-wide GPT-2: learns the tiny datasets' format in an epoch or two on one thread. */
export const TINY_MODEL = { n_layer: 1, n_embd: 32, n_head: 2, n_positions: 128 };

/** Config keys every tiny run shares (the batch size and the method are each spec's own). */
export const TINY_TRAINING = { lr: 0.003, max_new_tokens: 12, num_threads: 1, offline_model: TINY_MODEL };

/** `method` of the API with `body`; throws with the host's message when it answers an error. */
export async function callApi<T>(served: ServedWorkbench, method: string, body: unknown): Promise<T> {
  const response = await fetch(new URL(`/api/${method}`, served.baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = (await response.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}`);
  return reply.result as T;
}

/** Queues a run from a config given as an object; returns its id. */
export async function createRun(served: ServedWorkbench, config: Record<string, unknown>): Promise<string> {
  return (await callApi<{ id: string }>(served, 'runs.create', { config_yaml: stringify(config) })).id;
}

/** A run's status; a failed run throws with its error, so a wait ends at once with the cause. */
export async function runStatus(served: ServedWorkbench, id: string): Promise<string> {
  const { run } = await callApi<{ run: { status: string; last_error: string | null } }>(served, 'runs.get', { id });
  if (run.status === 'failed') throw new Error(`run ${id} failed: ${run.last_error}`);
  return run.status;
}

/** Waits for a run to complete; a failed or cancelled run throws. */
export async function waitForCompleted(served: ServedWorkbench, id: string, timeoutMs = 300_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const status = await runStatus(served, id);
        if (status === 'cancelled') throw new Error(`run ${id} was cancelled`);
        return status;
      },
      { timeout: timeoutMs, intervals: [1000] },
    )
    .toBe('completed');
}

/**
 * Graph questions as the quickstart writes them (6–8 nodes, 2–3 steps, each edge one token) into
 * `<home>/datasets/graphs/`, one file per split named in `sizes`, drawn in order from one seed.
 */
export function writeGraphDataset<S extends string>(home: string, seed: number, sizes: Record<S, number>): Record<S, string> {
  const dir = join(home, 'datasets', 'graphs');
  mkdirSync(dir, { recursive: true });
  const params = resolveReachabilityParams({ preset: 'small', minNodes: 6, maxNodes: 8 });
  const rng = createRandom(seed);
  const paths = {} as Record<S, string>;
  for (const [split, count] of Object.entries(sizes) as [S, number][]) {
    paths[split] = join(dir, `${split}.json`);
    writeFileSync(paths[split], JSON.stringify(Array.from({ length: count }, () => generateReachabilityRecord(rng, params))));
  }
  return paths;
}
