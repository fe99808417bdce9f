/**
 * The order runs start in: first come, first served. The head of the queue is offered while there
 * is room; when it must wait (for GPUs, for their count) everyone behind it waits too, so a large
 * run is never starved by smaller ones that keep arriving.
 */

/** What became of the run offered: started (or settled without starting), or it waits at the head. */
export type HeadOutcome = 'next' | 'wait';

export class RunQueue {
  private readonly ids: string[] = [];

  get length(): number {
    return this.ids.length;
  }

  get queued(): readonly string[] {
    return this.ids;
  }

  has(id: string): boolean {
    return this.ids.includes(id);
  }

  add(id: string): void {
    if (!this.has(id)) this.ids.push(id);
  }

  /** Takes `id` out of the queue; false when it was not in it. */
  remove(id: string): boolean {
    const index = this.ids.indexOf(id);
    if (index < 0) return false;
    this.ids.splice(index, 1);
    return true;
  }

  clear(): void {
    this.ids.length = 0;
  }

  /**
   * Offers the head to `start` while `hasRoom()`; a head that does not wait leaves the queue. What `start` throws goes to `failed` with that run's id, and the queue goes on.
   */
  pump(hasRoom: () => boolean, start: (id: string) => HeadOutcome, failed: (id: string, error: unknown) => void): void {
    while (this.ids.length > 0 && hasRoom()) {
      // Out of the queue while it starts: a start that ends at once (and pumps again) must not offer it twice.
      const id = this.ids.shift() as string;
      let outcome: HeadOutcome;
      try {
        outcome = start(id);
      } catch (error) {
        outcome = 'next';
        failed(id, error);
      }
      if (outcome === 'wait') {
        this.ids.unshift(id);
        return;
      }
    }
  }
}
