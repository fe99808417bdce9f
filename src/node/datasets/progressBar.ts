/**
 * A terminal progress bar for dataset generation, on stderr so that stdout stays clean for
 * `--json` and pipes. Callers enable it only on a TTY; disabled, every method does nothing.
 */
import cliProgress from 'cli-progress';

export interface GenerationProgressBar {
  /** `label` names what is being written (e.g. "train.json"); `done` and `total` count records over the whole job. */
  update(label: string, done: number, total: number): void;
  stop(): void;
}

export function generationProgressBar(enabled: boolean): GenerationProgressBar {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: 'generating {label} |{bar}| {value}/{total} records · ETA {eta_formatted}',
      hideCursor: true,
      fps: 10,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(label, done, total) {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      } else {
        bar.update(done, { label });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
