import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../common/events.js';
import { runOutcome, type RunEnd } from './runEvents.js';

const finished: EngineEvent = { v: 1, t: 1, type: 'finished', status: 'completed', best_accuracy: 0.5, best_epoch: 1, final_accuracy: 0.5, seconds: 9 };
const error: EngineEvent = { v: 1, t: 1, type: 'error', message: 'no space left on device writing checkpoints/epoch-3.pt', where: null, traceback: null };
/** An adopted engine: not our child, so how it exited is unknown. */
const adoptedExit = { code: null, signal: null };
const end = (patch: Partial<RunEnd>): RunEnd => ({ events: [], exit: adoptedExit, failure: null, cancelRequested: false, lastError: null, stderrTail: '', ...patch });

describe('how a run ended', () => {
  it('takes the engine\'s own finished event over an unknown exit code', () => {
    expect(runOutcome(end({ events: [finished] }))).toEqual({ status: 'completed', last_error: null });
  });

  it('takes the engine\'s error event, then the exit, then says the exit code is unknown', () => {
    expect(runOutcome(end({ events: [error] }))).toEqual({ status: 'failed', last_error: 'no space left on device writing checkpoints/epoch-3.pt' });
    expect(runOutcome(end({ exit: { code: null, signal: 'SIGKILL' } })).last_error).toBe('the engine stopped without finishing (signal SIGKILL)');
    expect(runOutcome(end({ stderrTail: 'loading\nKilled\n' })).last_error).toBe(
      'the engine stopped without finishing (it was started by an earlier workbench, so its exit code is unknown); its last output: Killed',
    );
  });

  it('fails a run whose books could not be kept, saying how the engine itself ended it', () => {
    expect(runOutcome(end({ events: [finished], failure: 'no space left on device writing run.json' }))).toEqual({
      status: 'failed',
      last_error: 'no space left on device writing run.json (the engine itself ended the run completed)',
    });
    expect(runOutcome(end({ cancelRequested: true })).status).toBe('cancelled');
  });
});
