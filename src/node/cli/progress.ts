/**
 * Terminal progress for a training run, driven by its event stream: one bar over the whole run
 * (optimizer steps), with stage, epoch, loss and the last accuracy beside it. Without a terminal
 * (or with --json) it prints nothing but the caller's final lines.
 */
import cliProgress from 'cli-progress';
import type { RunStreamMessage } from '../../common/api.js';

export interface RunProgress {
  onMessage(message: RunStreamMessage): void;
  stop(): void;
}

const percent = (value: number | null | undefined): string => (value == null ? '–' : `${(value * 100).toFixed(1)}%`);

export function terminalProgress(label: string, enabled: boolean): RunProgress {
  if (!enabled) return { onMessage: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {percentage}% · stage {stage} · epoch {epoch}/{epochs} · loss {loss} · val acc {acc} · ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let total = 0;
  const fields = { stage: '-', epoch: '-', epochs: '-', loss: '-', acc: '–' };
  return {
    onMessage(message) {
      if (message.kind !== 'event') return;
      const event = message.event;
      if (event.type === 'started') {
        total = Math.max(1, (event.num_epochs - event.resume_epoch) * event.steps_per_epoch);
        fields.epochs = String(event.num_epochs);
        bar.start(total, 0, fields);
        started = true;
      } else if (!started) {
        return;
      } else if (event.type === 'step') {
        fields.stage = String(event.stage);
        fields.epoch = String(event.epoch + 1);
        fields.loss = event.loss.toFixed(3);
        bar.increment(1, fields);
      } else if (event.type === 'eval') {
        fields.acc = percent(event.accuracy);
        bar.update(fields);
      } else if (event.type === 'finished' || event.type === 'error') {
        if (event.type === 'finished' && event.status === 'completed') bar.update(total, fields);
        bar.stop();
        started = false;
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

export { percent };
