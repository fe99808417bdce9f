/**
 * The machine's GPUs as the job manager hands them out: a run that may use CUDA gets `processes`
 * of them to itself (CUDA_VISIBLE_DEVICES) and keeps them until it ends. The count is given, or
 * read (nvidia-smi, gpus/inventory.ts) the first time a run that may use CUDA is about to start,
 * so CPU-only work never waits for it.
 */
import { readGpuInventory } from '../gpus/inventory.js';

/** What a run asks of the pool: how many processes it starts, and whether it may use CUDA (its device is not `cpu`). */
export interface GpuNeed {
  processes: number;
  mayUseCuda: boolean;
}

/** How the GPUs are counted when no count is given. Never rejects with a count: 0 when there is none. */
export async function countGpusWithNvidiaSmi(): Promise<number> {
  try {
    return (await readGpuInventory()).gpus.length;
  } catch {
    return 0; // no count: no GPUs to hand out, and CUDA runs see every device
  }
}

export class GpuPool {
  /** Null until counted. */
  private count: number | null;
  private counting = false;
  /** GPU indices held, by run id. */
  private readonly held = new Map<string, number[]>();

  constructor(
    count: number | null = null,
    private readonly countGpus: () => Promise<number> = countGpusWithNvidiaSmi,
  ) {
    this.count = count;
  }

  /** Whether a run with this need must wait for the count first. */
  needsCount(need: GpuNeed): boolean {
    return need.mayUseCuda && this.count === null;
  }

  /** Counts the GPUs once (in the background); `then` is called when the count is known. */
  startCounting(then: () => void): void {
    if (this.counting || this.count !== null) return;
    this.counting = true;
    void this.countGpus()
      .catch(() => 0)
      .then((count) => {
        this.count = count;
        then();
      });
  }

  /** Why a run can never start here (more GPUs than the machine has), or null (also while uncounted). */
  shortfall(need: GpuNeed): string | null {
    if (!need.mayUseCuda || this.count === null || this.count === 0 || need.processes <= this.count) return null;
    return `processes: ${need.processes} needs ${need.processes} GPUs, and this machine has ${this.count}`;
  }

  /**
   * The GPUs for run `id`, now taken by it: [] when it gets none (a CPU run, or a machine without
   * GPUs), null when not enough are free yet (it waits). Call only once counted (see `needsCount`).
   */
  take(id: string, need: GpuNeed): number[] | null {
    if (!need.mayUseCuda || !this.count) return [];
    const taken = new Set([...this.held.values()].flat());
    const free = Array.from({ length: this.count }, (_, index) => index).filter((index) => !taken.has(index));
    if (free.length < need.processes) return null;
    const gpus = free.slice(0, need.processes);
    this.held.set(id, gpus);
    return gpus;
  }

  /** Marks `gpus` as held by run `id` (an adopted run keeps the ones it was given). */
  hold(id: string, gpus: number[] | null | undefined): void {
    if (gpus && gpus.length > 0) this.held.set(id, gpus);
  }

  release(id: string): void {
    this.held.delete(id);
  }
}
