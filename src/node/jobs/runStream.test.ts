/**
 * A run's live stream with cursors, on real files (an in-memory engine writes them): every event
 * carries its line and every log chunk its bytes, and a subscriber coming back with its cursor gets
 * exactly what it missed — through the job manager and through the dispatcher both transports call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, type RunCursor, type RunStreamMessage } from '../../common/api.js';
import { ApiDispatcher } from '../api/dispatch.js';
import { checkConfig } from '../runs/configText.js';
import { tempDir, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { FakeLauncher, type FakeEngine } from './fakeEngine.js';
import { LOG_TAIL_BYTES } from './runTail.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stepAt = (step: number) =>
  ({ type: 'step', stage: 0, epoch: 0, step, epoch_step: step, steps_in_epoch: 100, loss: 1 / step, lr: 1e-3, samples_per_s: 1, tokens_per_s: 1 }) as const;

type EventMessage = Extract<RunStreamMessage, { kind: 'event' }>;
type LogMessage = Extract<RunStreamMessage, { kind: 'log' }>;

const eventsOf = (messages: RunStreamMessage[]) => messages.filter((m): m is EventMessage => m.kind === 'event');
const logsOf = (messages: RunStreamMessage[], stream: 'stdout' | 'stderr') => messages.filter((m): m is LogMessage => m.kind === 'log' && m.stream === stream);
const textOf = (messages: RunStreamMessage[], stream: 'stdout' | 'stderr') => logsOf(messages, stream).map((m) => m.text).join('');

/** Where a client holding `messages` stands: what it would resubscribe with. */
function cursorOf(messages: RunStreamMessage[]): RunCursor {
  return {
    events: eventsOf(messages).at(-1)?.line ?? 0,
    stdout: logsOf(messages, 'stdout').at(-1)?.end ?? 0,
    stderr: logsOf(messages, 'stderr').at(-1)?.end ?? 0,
  };
}

describe('the live run stream with cursors', () => {
  let home: ReturnType<typeof tempDir>;
  let tiny: TinyRun;
  let launcher: FakeLauncher;
  let workbench: Workbench;

  beforeEach(() => {
    home = tempDir();
    tiny = tinyRun(home.path);
    launcher = new FakeLauncher();
    workbench = new Workbench(home.path, { launcher, pollMs: 2, gpuCount: 0 });
  });
  afterEach(() => {
    workbench.jobs.close();
    home.remove();
  });

  function startRun(): { id: string; engine: FakeEngine } {
    const check = checkConfig(tiny.configYaml(), tiny.home);
    if (!check.config) throw new Error(JSON.stringify(check.issues));
    const { id } = workbench.jobs.submit(check.config);
    return { id, engine: launcher.launched.at(-1) as FakeEngine };
  }

  /** Lets the job manager's poll read what the engine wrote. */
  const poll = () => sleep(20);

  it('numbers events by line and log chunks by byte; a subscriber back with its cursor gets exactly what it missed, characters whole', async () => {
    const { id, engine } = startRun();
    const first: RunStreamMessage[] = [];
    const stop = workbench.jobs.subscribeRun(id, (message) => first.push(message));
    engine.emit(stepAt(1)).emit(stepAt(2)).print('stdout', 'epoch 1 ').print('stderr', 'warming up\n');
    await poll();
    engine.print('stdout', Buffer.from('époque').subarray(0, 1)); // half of a two-byte character
    await poll();
    stop(); // the link drops here
    const cursor = cursorOf(first);
    expect(eventsOf(first).map((m) => m.line)).toEqual([1, 2]);
    expect(cursor).toEqual({ events: 2, stdout: Buffer.byteLength('epoch 1 '), stderr: Buffer.byteLength('warming up\n') });

    // Missed while away: the rest of the character, more events and output.
    engine.print('stdout', Buffer.concat([Buffer.from('époque').subarray(1), Buffer.from(' done\n')]));
    engine.emit(stepAt(3)).emit(stepAt(4)).print('stderr', 'step 4\n');
    await poll();
    const back: RunStreamMessage[] = [];
    workbench.jobs.subscribeRun(id, (message) => back.push(message), cursor);
    const replay = back.slice(); // the history is sent within the call
    expect(replay.map((m) => m.kind)).toEqual(['event', 'event', 'replayed', 'run', 'log', 'log']);
    expect(eventsOf(replay).map((m) => [m.line, m.event.type === 'step' ? m.event.step : null])).toEqual([
      [3, 3],
      [4, 4],
    ]);
    expect(textOf(replay, 'stdout')).toBe('époque done\n');
    expect(logsOf(replay, 'stdout')[0]?.offset).toBe(cursor.stdout);
    expect(textOf(replay, 'stderr')).toBe('step 4\n');

    // Then live, going on from where the replay ended: nothing doubled, nothing lost.
    engine.emit(stepAt(5)).print('stdout', 'tail\n');
    engine.emit({ type: 'finished', status: 'completed', best_accuracy: 0.5, best_epoch: 0, final_accuracy: 0.5, seconds: 1 });
    engine.exitWith({ code: 0, signal: null });
    await workbench.jobs.waitForEnd(id);
    expect(eventsOf(back).map((m) => m.line)).toEqual([3, 4, 5, 6]);
    expect(textOf(first, 'stdout') + textOf(back, 'stdout')).toBe('epoch 1 époque done\ntail\n');
    expect(back.at(-1)).toMatchObject({ kind: 'run', run: { status: 'completed' } });

    // An ended run replays from its files the same way.
    const later: RunStreamMessage[] = [];
    workbench.jobs.subscribeRun(id, (message) => later.push(message), { events: 4, stdout: Buffer.byteLength('epoch 1 époque done\n'), stderr: 0 });
    expect(eventsOf(later).map((m) => m.line)).toEqual([5, 6]);
    expect(textOf(later, 'stdout')).toBe('tail\n');
    expect(textOf(later, 'stderr')).toBe('warming up\nstep 4\n');
  });

  it('gives a new subscriber every event and the end of each log from a line start, then the live output right after it', async () => {
    const { id, engine } = startRun();
    const line = (n: number) => `progress line ${String(n).padStart(5, '0')}\n`;
    let written = '';
    for (let n = 0; n < 2000; n += 1) written += line(n);
    engine.print('stdout', written).emit(stepAt(1));
    await poll();
    const messages: RunStreamMessage[] = [];
    workbench.jobs.subscribeRun(id, (message) => messages.push(message));
    const tail = textOf(messages, 'stdout');
    expect(tail.length).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(tail.length).toBeGreaterThan(LOG_TAIL_BYTES - line(0).length);
    expect(written.endsWith(tail)).toBe(true);
    expect(tail.startsWith('progress line ')).toBe(true);
    expect(eventsOf(messages)).toHaveLength(1);
    engine.print('stdout', 'after\n');
    await poll();
    expect(logsOf(messages, 'stdout').at(-1)).toMatchObject({ text: 'after\n', offset: Buffer.byteLength(written) });
  });

  it('carries the cursor through the dispatcher both transports call, and refuses a bad one naming the field', async () => {
    const { id, engine } = startRun();
    engine.emit(stepAt(1)).emit(stepAt(2)).emit(stepAt(3)).print('stdout', 'one\ntwo\n');
    await poll();
    const dispatcher = new ApiDispatcher(workbench);
    const messages: RunStreamMessage[] = [];
    const stop = dispatcher.subscribe('run', { id, after: { events: 2, stdout: 4, stderr: 0 } }, (message) => messages.push(message as RunStreamMessage));
    stop();
    expect(eventsOf(messages).map((m) => m.line)).toEqual([3]);
    expect(textOf(messages, 'stdout')).toBe('two\n');
    let error: unknown = null;
    try {
      dispatcher.subscribe('run', { id, after: { events: -1, stdout: 0, stderr: 0 } }, () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).issues.map((issue) => issue.path)).toEqual(['after.events']);
  });
});
