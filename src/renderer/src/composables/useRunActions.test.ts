import { afterEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { ApiError } from '../../../common/api';
import type { RunSummary } from '../../../common/runs';
import { fakeApi } from './fakeApi.test-helper';
import { prepareRunAction, takeNewRunPrefill, useRunActions } from './useRunActions';

const CONFIG = '# tuned by hand\nname: graph  # the family\ncoconut: true\nseed: 3\nnum_epochs: 4\nload_model_path: None\nresume: 0\n';

function summary(id: string, name: string, seed?: number): RunSummary {
  return {
    id,
    name,
    status: 'completed',
    method: 'coconut',
    created_at: '2025-01-01T00:00:00Z',
    started_at: null,
    ended_at: null,
    stage: null,
    epoch: null,
    num_epochs: 4,
    best_accuracy: null,
    last_accuracy: null,
    last_error: null,
    dir: `/h/runs/${id}`,
    seed,
  };
}

const source = summary('r1', 'graph', 3);
const others = [source, summary('r2', 'graph-seed4', 4), summary('r3', 'graph-copy'), summary('r4', 'other', 9)];
const api = () => fakeApi({ 'runs.get': () => ({ run: source, config_yaml: CONFIG }), 'runs.list': () => others });

describe('preparing the new-run form from a run', () => {
  it('clone: the run config under a free suffixed name, comments kept', async () => {
    const prefill = await prepareRunAction(api(), source, 'clone');
    expect(prefill.yaml).toBe(CONFIG.replace('name: graph  #', 'name: graph-copy-2  #'));
    expect(prefill.summary).toBe('Clone of graph: the same config, named graph-copy-2.');
    expect(prefill.source).toEqual({ id: 'r1', name: 'graph' });
  });

  it('seed: the next seed above those of the same experiment (not of other runs)', async () => {
    const prefill = await prepareRunAction(api(), source, 'seed');
    expect(prefill.yaml).toContain('seed: 5\n');
    expect(prefill.yaml).toContain('name: graph-seed5  # the family');
    expect(prefill.summary).toMatch(/^Re-run of graph with seed 5 \(it had 3\)/);
  });

  it('resume: the checkpoint and its epoch, and a word when num_epochs is used up', async () => {
    const fake = api();
    const checkpoint = { label: 'epoch-4', file: '/h/runs/r1/checkpoints/epoch-4.pt', epoch: 4, best: false, last: true, accuracy: null };
    const prefill = await prepareRunAction(fake, source, 'resume', { runs: others, checkpoint });
    expect(prefill.yaml).toContain('load_model_path: /h/runs/r1/checkpoints/epoch-4.pt\nresume: 4\n');
    expect(prefill.note).toMatch(/raise num_epochs/);
    // The list given is used as it is.
    expect(fake.calls.map(([method]) => method)).toEqual(['runs.get']);
    await expect(prepareRunAction(fake, source, 'resume')).rejects.toThrow(/choose a checkpoint/);
  });
});

describe('useRunActions', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('opens the form with the prepared config, handed over once', async () => {
    vi.stubGlobal('window', { location: { hash: '#/' }, addEventListener: () => undefined });
    const scope = effectScope();
    const actions = scope.run(() => useRunActions(api()))!;
    expect(await actions.openInForm(source, 'clone')).toBe(true);
    expect(window.location.hash).toBe('#/new');
    expect(takeNewRunPrefill()?.yaml).toContain('name: graph-copy-2');
    expect(takeNewRunPrefill()).toBeNull();
    scope.stop();
  });

  it('says why an action failed, naming the run, and stays put', async () => {
    vi.stubGlobal('window', { location: { hash: '#/' }, addEventListener: () => undefined });
    const failing = fakeApi({
      'runs.get': () => {
        throw new ApiError('not_found', 'no run r1');
      },
      'runs.list': () => others,
    });
    const scope = effectScope();
    const actions = scope.run(() => useRunActions(failing))!;
    expect(await actions.openInForm(source, 'seed')).toBe(false);
    expect(actions.error.value).toBe('Could not re-run graph: no run r1');
    expect(window.location.hash).toBe('#/');
    expect(actions.busy.value).toBeNull();
    scope.stop();
  });

  it("deletes a run, and shows the host's refusal of a running one as it is", async () => {
    const deleted: string[] = [];
    const fake = fakeApi({
      'runs.delete': (request) => {
        const { id } = request as { id: string };
        if (id === 'busy') throw new ApiError('conflict', 'run busy is running; cancel it first');
        deleted.push(id);
        return { id };
      },
    });
    const scope = effectScope();
    const actions = scope.run(() => useRunActions(fake))!;
    expect(await actions.remove(source)).toBe(true);
    expect(deleted).toEqual(['r1']);
    expect(actions.error.value).toBeNull();
    expect(await actions.remove({ ...source, id: 'busy', status: 'running' })).toBe(false);
    expect(actions.error.value).toBe('run busy is running; cancel it first');
    scope.stop();
  });
});
