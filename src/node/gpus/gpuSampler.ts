/**
 * The host's one reader of `nvidia-smi`: while anyone is subscribed it samples the GPUs once every
 * interval and hands the same reading to every subscriber (the top bar, each run's GPU chart, in
 * every window), instead of each view spawning its own nvidia-smi. Nobody subscribed, no sampling.
 * The last reading is kept, so a new subscriber sees the GPUs at once and a one-shot `system.gpus`
 * reuses a fresh one. A machine without nvidia-smi is told so once; nothing is spawned after that.
 */
import type { GpuInventory, GpuSample } from '../../common/api.js';
import { NVIDIA_SMI_MISSING, readGpuInventory } from './inventory.js';

/** Fine enough for a run's chart to show memory climbing; one short nvidia-smi per period on a GPU machine. */
export const GPU_SAMPLE_INTERVAL_MS = 2000;

export interface GpuSamplerOptions {
  /** One reading of the GPUs; default nvidia-smi. It should not reject (a rejection becomes the reading's problem). */
  sample?: () => Promise<GpuInventory>;
  intervalMs?: number;
  now?: () => number;
}

type Listener = (sample: GpuSample) => void;

export class GpuSampler {
  private readonly sample: () => Promise<GpuInventory>;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<Listener>();
  private last: GpuSample | null = null;
  /** When `last` was taken, in `now()` milliseconds (the sample's ISO time is for the clients). */
  private lastAt = -Infinity;
  private inFlight: Promise<GpuSample> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** A scheduled sample is being taken; it schedules the next one itself. */
  private ticking = false;
  /** Set once nvidia-smi turns out to be missing: sampling again could only say the same. */
  private final = false;

  constructor(options: GpuSamplerOptions = {}) {
    this.sample = options.sample ?? (() => readGpuInventory());
    this.intervalMs = options.intervalMs ?? GPU_SAMPLE_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** The last reading, or null before the first. */
  latest(): GpuSample | null {
    return this.last;
  }

  /**
   * Calls `listener` with the last reading at once (when there is one) and with every new one;
   * returns the function that ends the subscription. Sampling runs while any subscription is open.
   */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.last) deliver(listener, this.last);
    if (this.listeners.size === 1) this.schedule();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.stopTimer();
    };
  }

  /** A reading no older than one interval: the cached one, or a new one (shared with a sample already under way). */
  async read(): Promise<GpuSample> {
    if (this.last && (this.final || this.now() - this.lastAt < this.intervalMs)) return this.last;
    return this.takeSample();
  }

  /** Next sample one interval after the last one, so subscribers coming and going never add samples. */
  private schedule(): void {
    if (this.timer || this.ticking || this.final || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - this.now());
    this.timer = setTimeout(() => void this.tick(), wait);
    // A timer never keeps the process alive on its own: the host's sockets do that.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.listeners.size === 0) return;
    this.ticking = true;
    try {
      const sample = await this.takeSample();
      for (const listener of [...this.listeners]) deliver(listener, sample);
    } finally {
      this.ticking = false;
    }
    this.schedule();
  }

  private takeSample(): Promise<GpuSample> {
    this.inFlight ??= this.sample()
      .catch((error: unknown): GpuInventory => ({ gpus: [], problem: `reading the GPUs failed: ${error instanceof Error ? error.message : String(error)}` }))
      .then((inventory) => {
        const at = this.now();
        const sample: GpuSample = { ...inventory, sampled_at: new Date(at).toISOString() };
        this.last = sample;
        this.lastAt = at;
        if (inventory.gpus.length === 0 && inventory.problem === NVIDIA_SMI_MISSING) {
          this.final = true;
          this.stopTimer();
        }
        return sample;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** One subscriber that throws (a socket closing under it) must not keep the reading from the others. */
function deliver(listener: Listener, sample: GpuSample): void {
  try {
    listener(sample);
  } catch {
    // the transport ends that subscription itself when its connection goes
  }
}
