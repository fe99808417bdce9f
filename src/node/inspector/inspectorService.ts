/**
 * The inspector as the API and the CLI see it: inspections run in a worker thread (started on
 * first use, kept for the next one), so the serving thread stays free.
 */
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../common/api.js';
import type { Inspection } from '../../common/inspector.js';
import type { InspectMessage, InspectReply } from './inspectWorker.js';
import type { InspectOptions } from './thoughtLoop.js';

/** Errors of the request or the bundle: the user can act on the message as it is. */
const USER_ERRORS = new Set(['InspectRequestError', 'BundleError', 'UnsupportedTokenizerError']);

/**
 * From the sources (tsx, tests) the worker starts through a bootstrap that registers tsx; in the
 * built app (electron-vite) it is its own entry beside the main bundle.
 */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./workerBootstrap.mjs', import.meta.url) : new URL('./inspectWorker.js', import.meta.url);
}

export class InspectorService {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Inspection) => void; reject: (e: Error) => void }>();

  inspect(bundleDir: string, options: InspectOptions): Promise<Inspection> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    worker.ref(); // a pending inspection keeps the process alive; an idle worker does not
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, dir: bundleDir, options } satisfies InspectMessage);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerUrl());
    worker.on('message', (reply: InspectReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(USER_ERRORS.has(reply.error.name) ? new ApiError('bad_request', reply.error.message) : new Error(reply.error.message));
    });
    const failAll = (error: Error) => {
      this.worker = null;
      for (const waiting of this.pending.values()) waiting.reject(new ApiError('internal', `the inspector stopped: ${error.message}`));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.worker === worker) failAll(new Error(`exit code ${code}`));
    });
    this.worker = worker;
    return worker;
  }
}
