import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../common/config.js';
import { tempDir } from '../testing/fixtures.js';
import { EventLogReader } from './eventLog.js';
import { RunStore } from './runStore.js';

const config = RunConfigSchema.parse({ name: 'My first run!', cot: true, train_path: '/data/t.json', val_path: '/data/v.json' });

describe('RunStore', () => {
  let home: ReturnType<typeof tempDir>;
  let store: RunStore;
  beforeEach(() => {
    home = tempDir();
    store = new RunStore(home.path);
  });
  afterEach(() => home.remove());

  it('creates a run directory with config.yaml, a queued run.json and a checkpoints folder', () => {
    const record = store.create(config, { workbench: '0.1.0' });
    expect(record.id).toMatch(/^\d{8}-\d{6}-my-first-run-[0-9a-f]{4}$/);
    expect(record).toMatchObject({ status: 'queued', method: 'cot', name: 'My first run!', num_epochs: 50 });
    expect(readFileSync(join(record.dir, 'config.yaml'), 'utf8')).toContain('cot: true');
    expect(existsSync(join(record.dir, 'checkpoints'))).toBe(true);
    expect(store.read(record.id)).toEqual(record);
  });

  it('updates run.json whole and lists runs newest first, a damaged record as damaged', () => {
    const first = store.create(config, {});
    const second = store.create({ ...config, name: 'second' }, {});
    store.update(first.id, { status: 'running', pid: 123 });
    mkdirSync(join(store.runsDir, 'broken'));
    writeFileSync(join(store.runsDir, 'broken', 'run.json'), '{ not json');
    const listed = store.list();
    expect(listed.map((run) => run.id).sort()).toEqual([first.id, second.id, 'broken'].sort());
    expect(listed.find((run) => run.id === first.id)?.status).toBe('running');
    expect(listed.find((run) => run.id === 'broken')).toMatchObject({ status: 'damaged', damage: { reason: 'not valid JSON at line 1, column 3' } });
    expect(() => store.read('broken')).toThrow(/run broken is damaged: run\.json not valid JSON at line 1, column 3 \(.*broken\/run\.json\)/);
    expect(readdirTemps(first.dir)).toEqual([]);
  });

  it('puts a run in a given folder, refuses a non-empty one and leaves it untouched', () => {
    const outside = join(home.path, 'elsewhere', 'run-a');
    const record = store.create(config, {}, { outsideDir: outside });
    expect(record.dir).toBe(outside);
    expect(store.list().map((run) => run.id)).toEqual([record.id]);
    const occupied = join(home.path, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'keep.txt'), 'precious');
    expect(() => store.create(config, {}, { outsideDir: occupied })).toThrow(/not empty/);
    expect(readFileSync(join(occupied, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('says clearly when the run directory cannot be written', () => {
    if (process.getuid?.() === 0) {
      // Root writes anywhere; a path under a regular file fails for everyone.
      writeFileSync(join(home.path, 'file'), '');
      expect(() => new RunStore(join(home.path, 'file')).create(config, {})).toThrow(/cannot create the runs folder/);
      return;
    }
    chmodSync(home.path, 0o500);
    expect(() => store.create(config, {})).toThrow(/cannot create/);
  });

  it('rejects run ids that would escape the runs folder', () => {
    expect(() => store.read('../../etc')).toThrow(/not a run id/);
    expect(() => store.read('nope')).toThrow(/no run with id nope/);
  });

  it('tails logs at a line boundary', () => {
    const record = store.create(config, {});
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n';
    writeFileSync(join(record.dir, 'stderr.log'), lines);
    const tail = store.logTail(record.id, 'stderr', 40);
    expect(tail.truncated).toBe(true);
    expect(tail.text.startsWith('line ')).toBe(true);
    expect(tail.text.endsWith('line 99\n')).toBe(true);
    expect(store.logTail(record.id, 'stdout', 40)).toEqual({ text: '', truncated: false });
  });

  it('never follows a log that is a link out of the run folder', () => {
    const record = store.create(config, {});
    const secret = join(home.path, 'secret.txt');
    writeFileSync(secret, 'not for the page\n');
    symlinkSync(secret, join(record.dir, 'stdout.log'));
    expect(() => store.logTail(record.id, 'stdout', 1000)).toThrow(/symbolic link/);
  });
});

describe('EventLogReader', () => {
  it('reads complete lines only, skips invalid ones and picks up where it stopped', () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.jsonl');
    const reader = new EventLogReader(path);
    expect(reader.readNew()).toEqual([]);
    const log = (message: string): string => JSON.stringify({ v: 1, t: 1, type: 'log', level: 'info', message });
    appendFileSync(path, `${log('a')}\nnot json\n${JSON.stringify({ v: 1, type: 'step' })}\n${log('b').slice(0, 10)}`);
    expect(reader.readNew().map((event) => event.type === 'log' && event.message)).toEqual(['a']);
    expect(reader.problems.map((problem) => problem.line)).toEqual([2, 3]);
    appendFileSync(path, `${log('b').slice(10)}\n`);
    expect(reader.readNew().map((event) => event.type === 'log' && event.message)).toEqual(['b']);
    dir.remove();
  });

  it('forgets a half-written event the engine cut back off, and reads the next one whole', () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.jsonl');
    const reader = new EventLogReader(path);
    const log = (message: string): string => JSON.stringify({ v: 1, t: 1, type: 'log', level: 'info', message });
    writeFileSync(path, `${log('a')}\n`);
    const whole = statSync(path).size;
    appendFileSync(path, log('éé half').slice(0, 25)); // a write that failed part-way on a full disk
    expect(reader.readNew().map((event) => event.type === 'log' && event.message)).toEqual(['a']);
    truncateSync(path, whole); // what the engine does after such a failure
    appendFileSync(path, `${log('b')}\n`);
    expect(reader.readNew().map((event) => event.type === 'log' && event.message)).toEqual(['b']);
    expect(reader.problems).toEqual([]);
    dir.remove();
  });
});

function readdirTemps(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}
