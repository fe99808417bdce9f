/**
 * The datasets methods and the `datasetJobs` topic through the real dispatcher, and over the real
 * loopback host (HTTP for calls, the WebSocket for progress) as the browser uses them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DatasetJob } from '../../common/api.js';
import { startHost } from '../serve/host.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { ApiDispatcher } from './dispatch.js';

const ipc = { transport: 'ipc' as const };
const REQUEST = { name: 'tiny', generator: 'prosqa', params: { preset: 'small' }, sizes: { train: 30, valid: 4, test: 6 }, seed: 2 };

describe('datasets API', () => {
  let home: ReturnType<typeof tempDir>;
  let workbench: Workbench;
  let dispatcher: ApiDispatcher;
  beforeEach(() => {
    home = tempDir();
    workbench = new Workbench(home.path);
    dispatcher = new ApiDispatcher(workbench);
  });
  afterEach(async () => {
    await workbench.datasetJobs.close();
    home.remove();
  });

  const call = async <T>(method: string, request: unknown): Promise<T> => {
    const reply = await dispatcher.call(method, request, ipc);
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.result as T;
  };

  it('creates a dataset, streams its progress on the datasetJobs topic, then lists, describes and pages it', async () => {
    const generators = await call<Array<{ name: string; defaults: Record<string, unknown> }>>('datasets.generators', {});
    expect(generators.map((generator) => generator.name)).toEqual(expect.arrayContaining(['prosqa', 'reachability']));
    expect(generators.find((generator) => generator.name === 'prosqa')?.defaults).toMatchObject({ preset: 'official', minSteps: 3 });

    const messages: DatasetJob[] = [];
    const finished = new Promise<DatasetJob>((resolve) => {
      dispatcher.subscribe<'datasetJobs'>('datasetJobs', {}, (job) => {
        messages.push(job);
        if (job.status !== 'running') resolve(job);
      });
    });
    const job = await call<DatasetJob>('datasets.create', REQUEST);
    expect(job.status).toBe('running');
    expect(await finished).toMatchObject({ id: job.id, status: 'completed', done: 40, total: 40 });
    expect(await call<DatasetJob[]>('datasets.jobs', {})).toEqual([await finished]);

    const [dataset] = await call<Array<{ name: string; records: number; splits: Array<{ split: string; records: number }>; generator: { name: string } }>>('datasets.list', {});
    expect(dataset).toMatchObject({ name: 'tiny', records: 40, generator: { name: 'prosqa' } });
    expect(dataset?.splits.map((split) => `${split.split}:${split.records}`)).toEqual(['train:30', 'valid:4', 'test:6']);

    const stats = await call<{ records: number; steps: { min: number; max: number }; graph: { nodes: { histogram: Record<string, number> } } }>('datasets.stats', { name: 'tiny', split: 'train' });
    expect(stats.records).toBe(30);
    expect(stats.steps.min).toBeGreaterThanOrEqual(2);
    expect(stats.steps.max).toBeLessThanOrEqual(3);
    expect(Object.values(stats.graph.nodes.histogram).reduce((a, b) => a + b, 0)).toBe(30);

    const page = await call<{ total: number; records: Array<{ index: number; answer: string; idx_to_symbol: string[] }> }>('datasets.records', { name: 'tiny', split: 'test', limit: 4 });
    expect(page.total).toBe(6);
    expect(page.records.map((record) => record.index)).toEqual([0, 1, 2, 3]);
    expect(page.records[0]?.idx_to_symbol.length).toBeGreaterThan(3);
    const answer = page.records[2]!.answer;
    const search = await call<{ total: number; records: Array<{ answer: string; question: string }> }>('datasets.records', { name: 'tiny', split: 'test', query: answer });
    expect(search.records.every((record) => `${record.question} ${record.answer}`.includes(answer.replace(/\.$/, '')))).toBe(true);
  });

  it('answers bad requests with the field that is wrong', async () => {
    mkdirSync(join(home.path, 'datasets', 'tiny'), { recursive: true });
    writeFileSync(join(home.path, 'datasets', 'tiny', 'train.json'), '[]');
    const error = async (method: string, request: unknown) => {
      const reply = await dispatcher.call(method, request, ipc);
      if (reply.ok) throw new Error(`${method} should have failed`);
      return reply.error;
    };
    expect(await error('datasets.create', REQUEST)).toMatchObject({ code: 'conflict', issues: [{ path: 'name' }] });
    expect(await error('datasets.create', { ...REQUEST, name: '../up' })).toMatchObject({ code: 'bad_request', issues: [{ path: 'name' }] });
    expect(await error('datasets.create', { ...REQUEST, name: 'x', generator: 'nope' })).toMatchObject({ code: 'bad_request', issues: [{ path: 'generator' }] });
    expect(await error('datasets.create', { ...REQUEST, name: 'x', params: { maxSteps: 0 } })).toMatchObject({ code: 'bad_request', issues: [{ path: 'params.maxSteps' }] });
    expect(await error('datasets.create', { ...REQUEST, name: 'x', sizes: { train: 'many' } })).toMatchObject({ code: 'bad_request' });
    expect(await error('datasets.records', { name: 'tiny', split: 'train', limit: 0 })).toMatchObject({ code: 'bad_request', issues: [{ path: 'limit' }] });
    expect(await error('datasets.stats', { name: '..', split: 'train' })).toMatchObject({ code: 'not_found' });
    expect(await call('datasets.resolveParams', { generator: 'reachability', params: { edgeStyle: 'arrow' } })).toEqual({
      params: null,
      issues: [expect.objectContaining({ path: 'params.edgeStyle' })],
    });
    expect(await call('datasets.list', {})).toEqual([expect.objectContaining({ name: 'tiny', records: 0 })]);
  });

  it('serves the topic over the loopback host: HTTP starts the job, the socket reports it to the end', async () => {
    const staticDir = join(home.path, 'ui');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<h1>workbench</h1>');
    const host = await startHost(dispatcher, { staticDir });
    try {
      const socket = new WebSocket(`${host.url.replace('http', 'ws')}ws`, { headers: { authorization: `Bearer ${host.token}` } });
      await new Promise((resolve) => socket.on('open', resolve));
      const finished = new Promise<DatasetJob>((resolve) => {
        socket.on('message', (data) => {
          const { message } = JSON.parse(data.toString()) as { message: DatasetJob };
          if (message.status !== 'running') resolve(message);
        });
      });
      socket.send(JSON.stringify({ op: 'subscribe', id: 1, topic: 'datasetJobs', params: {} }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const reply = await fetch(`${host.url}api/datasets.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
        body: JSON.stringify({ ...REQUEST, name: 'over-http' }),
      });
      expect(reply.status).toBe(200);
      expect(await finished).toMatchObject({ name: 'over-http', status: 'completed', done: 40 });
      socket.close();
    } finally {
      await host.close();
    }
  });
});
