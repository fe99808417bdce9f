/**
 * One run, live: `runs.get` for its summary and config, and the `run` topic for its event history,
 * the end of its logs, then live events, status changes and log output.
 *
 * Events accumulate in a plain `RunTrace` (not reactive); `version` ticks at most once per frame so
 * the charts can append what is new. Every message carries its position, which a `StreamCursor`
 * keeps: when the link drops and comes back the subscription is sent again with that cursor, the
 * host sends only what was missed, and the trace and log are kept (`generation` ticks only when
 * another run is shown).
 */
import { markRaw, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import { ApiError, type RunStreamMessage } from '../../../common/api';
import { isFinal, type RunSummary } from '../../../common/runs';
import type { ClientApi } from '../api';
import { LogBuffer, type LogLine } from '../lib/logBuffer';
import { StreamCursor } from '../lib/runStreamCursor';
import { RunTrace } from '../lib/runTrace';
import { frameScheduler } from './frameScheduler';

export interface RunStream {
  summary: Ref<RunSummary | null>;
  configYaml: Ref<string | null>;
  loadError: Ref<ApiError | null>;
  /** The history has been replayed; what follows is live. */
  replayed: Ref<boolean>;
  trace: ShallowRef<RunTrace>;
  /** Ticks (at most once a frame) whenever `trace` gained something. */
  version: Ref<number>;
  /** Ticks whenever `trace` was replaced by an empty one (another run is shown). */
  generation: Ref<number>;
  logs: ShallowRef<LogLine[]>;
  cancel: () => Promise<void>;
}

export function useRunStream(api: ClientApi, id: Ref<string>): RunStream {
  const summary = ref<RunSummary | null>(null);
  const configYaml = ref<string | null>(null);
  const loadError = ref<ApiError | null>(null);
  const replayed = ref(false);
  const trace = shallowRef(markRaw(new RunTrace()));
  const version = ref(0);
  const generation = ref(0);
  const logs = shallowRef<LogLine[]>([]);

  let buffer = new LogBuffer();
  let cursor = new StreamCursor();
  let sawRunMessage = false;
  let unsubscribe: (() => void) | null = null;

  const frames = frameScheduler(() => {
    version.value += 1;
    logs.value = buffer.lines.slice();
  });

  function reset(): void {
    frames.cancel();
    trace.value = markRaw(new RunTrace());
    buffer = new LogBuffer();
    cursor = new StreamCursor();
    replayed.value = false;
    logs.value = [];
    generation.value += 1;
    version.value += 1;
  }

  async function loadRun(runId: string, gen: number): Promise<void> {
    try {
      const answer = await api.call('runs.get', { id: runId });
      if (gen !== generation.value || runId !== id.value) return;
      if (!sawRunMessage) summary.value = answer.run;
      configYaml.value = answer.config_yaml;
      loadError.value = null;
    } catch (e) {
      if (gen !== generation.value || runId !== id.value) return;
      loadError.value = e instanceof ApiError ? e : new ApiError('internal', String(e));
    }
  }

  function onMessage(message: RunStreamMessage): void {
    switch (message.kind) {
      case 'event': {
        // Held already (a replay that overlaps what came before the link dropped): skipped by its line.
        if (!cursor.acceptEvent(message.line)) break;
        trace.value.apply(message.event);
        if (message.event.type === 'log' || message.event.type === 'error') buffer.appendEvent(message.event);
        frames.schedule();
        break;
      }
      case 'replayed':
        replayed.value = true;
        frames.flushNow();
        break;
      case 'run':
        sawRunMessage = true;
        summary.value = message.run;
        break;
      case 'log': {
        const added = cursor.acceptLog(message);
        if (!added) break;
        if (added.skippedBytes > 0) buffer.appendGap(message.stream, added.skippedBytes);
        buffer.appendText(message.stream, added.text);
        frames.schedule();
        break;
      }
    }
  }

  /** Bumped per subscription so a late message of a previous run is dropped. */
  let current = 0;

  function start(runId: string): void {
    unsubscribe?.();
    unsubscribe = null;
    const token = ++current;
    summary.value = null;
    configYaml.value = null;
    loadError.value = null;
    sawRunMessage = false;
    reset();
    void loadRun(runId, generation.value);
    unsubscribe = api.subscribe(
      'run',
      { id: runId },
      (message) => {
        if (token === current) onMessage(message);
      },
      {
        // Back after a lost link: only what came after what we hold, which is kept.
        resubscribeParams: () => ({ id: runId, after: cursor.cursor }),
        onResubscribed: () => {
          if (token === current) void loadRun(runId, generation.value);
        },
        onError: (e) => {
          if (token === current) loadError.value = e;
        },
      },
    );
  }

  watch(id, (runId) => start(runId), { immediate: true });

  onScopeDispose(() => {
    unsubscribe?.();
    frames.cancel();
  });

  async function cancel(): Promise<void> {
    const runId = id.value;
    const run = await api.call('runs.cancel', { id: runId });
    // The stream may already have delivered the run's end; an earlier snapshot must not undo it.
    if (runId === id.value && !(summary.value && isFinal(summary.value.status))) summary.value = run;
  }

  return { summary, configYaml, loadError, replayed, trace, version, generation, logs, cancel };
}
