import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpuSampleSchema, type GpuSample } from '../../common/api.js';
import { tempDir, tinyRecords, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { ApiDispatcher } from './dispatch.js';

const ipc = { transport: 'ipc' as const };

describe('ApiDispatcher', () => {
  let home: ReturnType<typeof tempDir>;
  let dispatcher: ApiDispatcher;
  let tiny: TinyRun;
  beforeEach(() => {
    home = tempDir();
    tiny = tinyRun(home.path);
    dispatcher = new ApiDispatcher(new Workbench(home.path));
  });
  afterEach(() => home.remove());

  it('answers a typed error for an unknown method, never throwing', async () => {
    expect(await dispatcher.call('runs.explode', {}, ipc)).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no API method named "runs.explode"', issues: [] },
    });
  });

  it('rejects malformed requests with the offending field', async () => {
    const reply = await dispatcher.call('runs.get', { id: 42 }, ipc);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('bad_request');
    expect(reply.error.issues[0]?.path).toBe('id');
    const missing = await dispatcher.call('runs.get', null, ipc);
    expect(!missing.ok && missing.error.issues[0]?.path).toBe('id');
  });

  it('checks configs: unknown key, wrong type, contradictory flags, missing dataset', async () => {
    const check = async (yaml: string) => {
      const reply = await dispatcher.call('config.check', { config_yaml: yaml }, ipc);
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.result as { ok: boolean; issues: { path: string; message: string }[]; resolved_yaml: string | null };
    };
    const good = await check(tiny.configYaml());
    expect(good.ok).toBe(true);
    expect(good.resolved_yaml).toContain('epochs_per_stage: 1');
    expect(good.resolved_yaml).toContain('weight_decay: 0.01');

    expect((await check(tiny.configYaml({ learning_rate: 3 }))).issues[0]?.message).toMatch(/learning_rate/);
    expect((await check(tiny.configYaml({ c_thought: 'two' }))).issues[0]?.path).toBe('c_thought');
    expect((await check(tiny.configYaml({ cot: true }))).issues.map((issue) => issue.path).sort()).toEqual(['coconut', 'cot']);
    const missing = await check(tiny.configYaml({ train_path: 'nowhere/train.json' }));
    expect(missing.issues).toEqual([{ path: 'train_path', message: `file not found: ${home.path}/nowhere/train.json` }]);
    expect((await check('a: [1,')).issues[0]?.message).toMatch(/^YAML line/);
    expect((await check('- just\n- a list')).issues[0]?.message).toMatch(/mapping/);
  });

  it('refuses to create a run from a bad config and creates nothing', async () => {
    const reply = await dispatcher.call('runs.create', { config_yaml: tiny.configYaml({ num_epochs: 0 }) }, ipc);
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('invalid_config');
      expect(reply.error.issues[0]?.path).toBe('num_epochs');
    }
    const list = await dispatcher.call('runs.list', {}, ipc);
    expect(list).toEqual({ ok: true, result: [] });
  });

  it('serves the presets as templates and lists datasets in the home', async () => {
    const template = await dispatcher.call('config.template', { method: 'coconut' }, ipc);
    expect(template.ok && (template.result as { config_yaml: string }).config_yaml).toMatch(/coconut: true/);
    const info = await dispatcher.call('system.info', {}, ipc);
    expect(info.ok && (info.result as { transport: string }).transport).toBe('ipc');
    mkdirSync(join(home.path, 'datasets', 'small'), { recursive: true });
    writeFileSync(join(home.path, 'datasets', 'small', 'train.json'), JSON.stringify(tinyRecords(5)));
    writeFileSync(join(home.path, 'datasets', 'small', 'dataset.json'), '{}');
    const datasets = await dispatcher.call('datasets.list', {}, ipc);
    expect(datasets.ok && datasets.result).toEqual([
      expect.objectContaining({
        name: 'small',
        records: 5,
        generator: null,
        splits: [expect.objectContaining({ split: 'train', records: 5, path: join(home.path, 'datasets', 'small', 'train.json') })],
      }),
    ]);
  });

  it('publishes one GPU reading to every subscriber of the gpus topic, and answers system.gpus from it', async () => {
    const first: GpuSample[] = [];
    const second: GpuSample[] = [];
    const stopFirst = dispatcher.subscribe<'gpus'>('gpus', {}, (sample) => first.push(sample));
    const stopSecond = dispatcher.subscribe<'gpus'>('gpus', {}, (sample) => second.push(sample));
    await expect.poll(() => first.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(GpuSampleSchema.parse(first[0])).toEqual(first[0]);
    expect(second[0]).toBe(first[0]);
    const reply = await dispatcher.call('system.gpus', {}, ipc);
    const { sampled_at: _sampledAt, ...inventory } = first[0]!;
    // Fresh (under two seconds old) or, without nvidia-smi, final: the same reading, less its time.
    expect(reply).toEqual({ ok: true, result: inventory });
    stopFirst();
    stopSecond();
  });

  it('rejects unknown topics and bad subscription parameters', () => {
    expect(() => dispatcher.subscribe('weather', {}, () => {})).toThrow(/no topic named/);
    expect(() => dispatcher.subscribe('run', {}, () => {})).toThrow(/invalid parameters/);
    expect(() => dispatcher.subscribe('run', { id: 'missing' }, () => {})).toThrow(/no run with id missing/);
  });
});
