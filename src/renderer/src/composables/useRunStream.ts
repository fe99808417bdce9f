/**
 * One run, live: `runs.get` for its summary and config, the `run` topic for its event history and
 * then live events, status changes and log output, and `runs.log` for the log tail that was written
 * before we subscribed.
 *
 * Events accumulate in a plain `RunTrace` (not reactive); `version` ticks at most once per frame so
 * the charts can append what is new. When the link drops and comes back the host replays the whole
 * history, so everything is reset and rebuilt (`generation` ticks).
 */
import { markRaw, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import { ApiError, type RunStreamMessage } from '../../../common/api';
import { isFinal, type RunSummary } from '../../../common/runs';
import type { ClientApi } from '../api';
import { LogBuffer, type LogLine } from '../lib/logBuffer';
import { RunTrace } from '../lib/runTrace';
import { frameScheduler } from './frameScheduler';

type LogMessage = Extract<RunStreamMessage, { kind: 'log' }>;

export interface RunStream {
  summary: Ref<RunSummary | null>;
  configYaml: Ref<string | null>;
  loadError: Ref<ApiError | null>;
  /** The history has been replayed; what follows is live. */
  replayed: Ref<boolean>;
  trace: ShallowRef<RunTrace>;
  /** Ticks (at most once a frame) whenever `trace` gained something. */
  version: Ref<number>;
  /** Ticks whenever `trace` was replaced by an empty one (history is coming again). */
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
  let sawRunMessage = false;
  /** Live log messages that arrived while the tail was being fetched. */
  let heldLogs: LogMessage[] | null = null;
  let unsubscribe: (() => void) | null = null;

  const frames = frameScheduler(() => {
    version.value += 1;
    logs.value = buffer.lines.slice();
  });

  function reset(): void {
    frames.cancel();
    trace.value = markRaw(new RunTrace());
    buffer = new LogBuffer();
    heldLogs = null;
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

  async function loadTails(runId: string, gen: number): Promise<void> {
    heldLogs = [];
    const streams = ['stdout', 'stderr'] as const;
    const answers = await Promise.allSettled(streams.map((stream) => api.call('runs.log', { id: runId, stream })));
    if (gen !== generation.value || runId !== id.value) return;
    const fetched: Record<string, string> = {};
    streams.forEach((stream, index) => {
      const answer = answers[index];
      if (answer?.status !== 'fulfilled' || !answer.value.text) return;
      let text = answer.value.text;
      if (answer.value.truncated) text = text.slice(text.indexOf('\n') + 1); // drop the cut first line
      if (!text.endsWith('\n')) text += '\n';
      fetched[stream] = text;
      buffer.appendText(stream, text);
    });
    // Live output that arrived meanwhile is usually already in the tail; add only what is not.
    for (const message of heldLogs ?? []) {
      const tail = fetched[message.stream] ?? '';
      if (!tail.slice(-(message.text.length + 8192)).includes(message.text)) buffer.appendText(message.stream, message.text);
    }
    heldLogs = null;
    frames.schedule();
  }

  function onMessage(runId: string, message: RunStreamMessage): void {
    switch (message.kind) {
      case 'event': {
        trace.value.apply(message.event);
        if (message.event.type === 'log' || message.event.type === 'error') buffer.appendEvent(message.event);
        frames.schedule();
        break;
      }
      case 'replayed':
        replayed.value = true;
        frames.flushNow();
        void loadTails(runId, generation.value);
        break;
      case 'run':
        sawRunMessage = true;
        summary.value = message.run;
        break;
      case 'log':
        if (heldLogs) heldLogs.push(message);
        else buffer.appendText(message.stream, message.text);
        frames.schedule();
        break;
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
        if (token === current) onMessage(runId, message);
      },
      {
        onResubscribed: () => {
          if (token !== current) return;
          // The host replays the history from the start: rebuild from scratch.
          reset();
          void loadRun(runId, generation.value);
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
