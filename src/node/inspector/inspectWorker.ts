/**
 * The inspector's worker thread: it owns the onnxruntime sessions (one decoder and one lens
 * session per bundle, kept while the bundle's manifest is unchanged), so an inspection never
 * blocks the thread that serves the API. Messages: `{ id, dir, options }` in, `{ id, ok, result
 * | error }` out.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { BUNDLE_FILES } from '../../common/inspector.js';
import { loadBundle, type LoadedBundle } from './bundle.js';
import { OnnxDecoder } from './onnxDecoder.js';
import { inspect, type InspectOptions } from './thoughtLoop.js';

export interface InspectMessage {
  id: number;
  dir: string;
  options: InspectOptions;
}

export type InspectReply =
  | { id: number; ok: true; result: Awaited<ReturnType<typeof inspect>> }
  | { id: number; ok: false; error: { name: string; message: string } };

interface OpenBundle {
  stamp: number;
  bundle: LoadedBundle;
  decoder: OnnxDecoder;
}

/** Bundles kept open, most recently used last; a few are plenty for one user. */
const MAX_OPEN = 4;

export class BundleCache {
  private readonly open = new Map<string, Promise<OpenBundle>>();

  async get(dir: string): Promise<OpenBundle> {
    const stamp = statSync(join(dir, BUNDLE_FILES.manifest)).mtimeMs;
    const cached = this.open.get(dir);
    if (cached) {
      const entry = await cached.catch(() => null);
      if (entry && entry.stamp === stamp) {
        this.open.delete(dir);
        this.open.set(dir, cached);
        return entry;
      }
      this.open.delete(dir);
      if (entry) await entry.decoder.release();
    }
    const opening = (async () => {
      const bundle = loadBundle(dir);
      const decoder = await OnnxDecoder.open(bundle.dir, bundle.manifest);
      return { stamp, bundle, decoder };
    })();
    this.open.set(dir, opening);
    opening.catch(() => this.open.delete(dir));
    while (this.open.size > MAX_OPEN) {
      const [oldest, entry] = this.open.entries().next().value as [string, Promise<OpenBundle>];
      this.open.delete(oldest);
      void entry.then((e) => e.decoder.release()).catch(() => undefined);
    }
    return opening;
  }
}

const cache = new BundleCache();
// Inspections run one after another: each already uses every core onnxruntime gives it.
let queue: Promise<unknown> = Promise.resolve();

parentPort?.on('message', (message: InspectMessage) => {
  queue = queue.then(async () => {
    let reply: InspectReply;
    try {
      const { bundle, decoder } = await cache.get(message.dir);
      reply = { id: message.id, ok: true, result: await inspect(bundle, decoder, message.options) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      reply = { id: message.id, ok: false, error: { name: e.name, message: e.message } };
    }
    parentPort?.postMessage(reply);
  });
});
