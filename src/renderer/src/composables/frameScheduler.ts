/**
 * Coalesces many updates into one per animation frame. Falls back to a timer so updates still land
 * when frames are not being produced (a hidden window).
 */
export function frameScheduler(run: () => void, fallbackMs = 120): { schedule: () => void; flushNow: () => void; cancel: () => void } {
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const hasFrames = typeof requestAnimationFrame === 'function';

  const cancel = (): void => {
    if (frame !== null && hasFrames) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = null;
    timer = null;
  };
  const flushNow = (): void => {
    cancel();
    run();
  };
  const schedule = (): void => {
    if (frame !== null || timer !== null) return;
    if (hasFrames) frame = requestAnimationFrame(flushNow);
    timer = setTimeout(flushNow, fallbackMs);
  };
  return { schedule, flushNow, cancel };
}
