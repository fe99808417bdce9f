/**
 * Damaged run folders through the real API dispatcher on real files: a cut-short, mistyped or
 * missing run.json keeps its run in the list as `damaged` with the reason naming the file, its
 * page still reads the config and events, every other use says which file is damaged, and it can
 * be deleted. Torn lines of events.jsonl are skipped and reported with their line numbers.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../common/config.js';
import { EVENT_SCHEMA_VERSION } from '../../common/events.js';
import type { RunRecord } from '../../common/runs.js';
import { DispatchedApi } from '../testing/dispatchedApi.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { jsonErrorOffset, jsonProblem } from './runDamage.js';



const log = (message: string, t = 1): string => JSON.stringify({ v: EVENT_SCHEMA_VERSION, t, type: 'log', level: 'info', message });

describe('damaged runs', () => {
  let home: ReturnType<typeof tempDir>;
  let workbench: Workbench;
  let api: DispatchedApi;

  beforeEach(() => {
    home = tempDir();
    workbench = new Workbench(home.path);
    api = new DispatchedApi(workbench);
  });
  afterEach(async () => {
    await workbench.datasetJobs.close();
    home.remove();
  });

  /** A finished run, as the job manager leaves one. */
  function finishedRun(name: string): RunRecord {
    const config = RunConfigSchema.parse({ name, coconut: true, train_path: '/data/t.json', val_path: '/data/v.json', num_epochs: 7 });
    const run = workbench.store.create(config, { workbench: 'test' });
    return workbench.store.update(run.id, { status: 'completed', best_accuracy: 0.75, ended_at: new Date().toISOString() });
  }

  const recordPath = (run: RunRecord): string => join(run.dir, 'run.json');

  it('keeps a run whose run.json was cut short in the list, with the config’s name and the reason naming the file', async () => {
    const healthy = finishedRun('healthy');
    const cut = finishedRun('cut short');
    const text = readFileSync(recordPath(cut), 'utf8');
    writeFileSync(recordPath(cut), text.slice(0, text.length / 2));

    const listed = await api.call('runs.list', {});
    expect(listed.map((run) => run.id).sort()).toEqual([healthy.id, cut.id].sort());
    const damaged = listed.find((run) => run.id === cut.id)!;
    expect(damaged).toMatchObject({ status: 'damaged', name: 'cut short', method: 'coconut', num_epochs: 7, dir: cut.dir });
    expect(damaged.damage).toEqual({ file: 'run.json', path: recordPath(cut), reason: expect.stringMatching(/^cut short: the JSON is not complete at its end \(line \d+\)$/) });
    expect(listed.find((run) => run.id === healthy.id)?.status).toBe('completed');
    expect(listed.find((run) => run.id === healthy.id)).not.toHaveProperty('damage');

    // Its page reads what can be read: the summary with the reason, the config, the events and logs.
    appendFileSync(join(cut.dir, 'events.jsonl'), `${log('still here')}\n`);
    writeFileSync(join(cut.dir, 'stderr.log'), 'last words\n');
    const page = await api.call('runs.get', { id: cut.id });
    expect(page.run.status).toBe('damaged');
    expect(page.config_yaml).toContain('name: cut short');
    expect(await api.call('runs.events', { id: cut.id })).toMatchObject([{ type: 'log', message: 'still here' }]);
    expect((await api.call('runs.log', { id: cut.id, stream: 'stderr' })).text).toBe('last words\n');

    // What needs the record says which file is damaged, where, and why.
    for (const method of ['runs.cancel', 'inspect.targets'] as const) {
      const error = await api.error(method, { id: cut.id });
      expect(error.code).toBe('internal');
      expect(error.message).toContain(`run ${cut.id} is damaged: run.json cut short`);
      expect(error.message).toContain(recordPath(cut));
    }
  });

  it('names the line of a JSON mistake and the fields of the wrong type, and keeps the fields that are valid', async () => {
    const typo = finishedRun('typo');
    const lines = readFileSync(recordPath(typo), 'utf8').split('\n');
    lines[2] = lines[2]!.replace(/,$/, ''); // a missing comma at the end of line 3
    writeFileSync(recordPath(typo), lines.join('\n'));
    const wrongTypes = finishedRun('wrong types');
    const record = JSON.parse(readFileSync(recordPath(wrongTypes), 'utf8')) as Record<string, unknown>;
    writeFileSync(recordPath(wrongTypes), JSON.stringify({ ...record, status: 'finished', epoch: 'three' }));
    const calledDamaged = finishedRun('says damaged');
    writeFileSync(recordPath(calledDamaged), JSON.stringify({ ...record, id: calledDamaged.id, status: 'damaged' }));
    const notAnObject = finishedRun('a list');
    writeFileSync(recordPath(notAnObject), '[1, 2]\n');

    const byId = new Map((await api.call('runs.list', {})).map((run) => [run.id, run]));
    expect(byId.get(typo.id)?.damage?.reason).toBe('not valid JSON at line 4, column 3');
    const mistyped = byId.get(wrongTypes.id)!;
    expect(mistyped.status).toBe('damaged');
    expect(mistyped.damage?.reason).toMatch(/^status: must be one of "queued", "running", "completed", "failed", "cancelled", "interrupted" \(got text "finished"\); epoch: must be a whole number \(got text "three"\)$/);
    // The fields that are still valid are shown; the folder is the one on disk, whatever the file says.
    expect(mistyped).toMatchObject({ name: 'wrong types', best_accuracy: 0.75, created_at: record.created_at, epoch: null, dir: wrongTypes.dir });
    expect(byId.get(calledDamaged.id)?.damage?.reason).toMatch(/^status: must be one of .* \(got text "damaged"\)/);
    expect(byId.get(notAnObject.id)?.damage?.reason).toMatch(/^not a run record: must be a mapping of keys to values \(got a list\)/);

    // The stand-in is never written back over what is left of the real record.
    expect(() => workbench.store.update(wrongTypes.id, { status: 'failed' })).toThrow(/is damaged: run\.json status: must be one of/);
    expect(JSON.parse(readFileSync(recordPath(wrongTypes), 'utf8'))).toMatchObject({ status: 'finished', epoch: 'three' });
  });

  it('lists a folder whose run.json is missing once it has events or is not new, and deletes it', async () => {
    const lost = finishedRun('lost');
    rmSync(recordPath(lost));
    appendFileSync(join(lost.dir, 'events.jsonl'), `${log('trained a bit')}\n`);
    // A folder `create` may still be filling (new, no events) is not a damaged run yet…
    const fresh = join(workbench.store.runsDir, '20260101-000000-fresh-0000');
    mkdirSync(fresh);
    // A config the check refuses (an unknown key) still names the run and its method.
    writeFileSync(join(fresh, 'config.yaml'), 'name: by hand\ncot: true\nlearning_rate: 3\n');
    writeFileSync(join(workbench.store.runsDir, 'notes.txt'), 'not a run');
    mkdirSync(join(workbench.store.runsDir, '.hidden'));

    let listed = await api.call('runs.list', {});
    expect(listed.map((run) => run.id)).toEqual([lost.id]);
    expect(listed[0]).toMatchObject({ status: 'damaged', name: 'lost', damage: { file: 'run.json', reason: 'missing', path: recordPath(lost) } });
    // …once it is older, it is one: named by its config, created when its id says.
    const old = new Date(Date.now() - 60_000);
    utimesSync(fresh, old, old);
    listed = await api.call('runs.list', {});
    expect(listed.find((run) => run.id === '20260101-000000-fresh-0000')).toMatchObject({
      status: 'damaged',
      name: 'by hand',
      method: 'cot',
      num_epochs: null,
      created_at: '2026-01-01T00:00:00.000Z',
    });

    expect(await api.call('runs.delete', { id: lost.id })).toEqual({ id: lost.id });
    expect(existsSync(lost.dir)).toBe(false);
    await api.call('runs.delete', { id: '20260101-000000-fresh-0000' });
    expect(await api.call('runs.list', {})).toEqual([]);
    expect((await api.error('runs.get', { id: lost.id })).message).toBe(`no run with id ${lost.id}`);
  });

  it('keeps a run kept outside the home whose folder is gone, and deletes its link', async () => {
    const outside = join(home.path, 'elsewhere', 'run');
    const config = RunConfigSchema.parse({ name: 'outside', cot: true, train_path: '/t.json', val_path: '/v.json' });
    const run = workbench.store.create(config, {}, { outsideDir: outside });
    workbench.store.update(run.id, { status: 'failed' });
    rmSync(outside, { recursive: true });

    const [listed] = await api.call('runs.list', {});
    // Nothing of it can be read: it is named after its folder.
    expect(listed).toMatchObject({ id: run.id, name: run.id, method: '', status: 'damaged', damage: { file: 'run folder', reason: `is a link to ${outside}, which cannot be reached` } });
    expect((await api.call('runs.get', { id: run.id })).config_yaml).toBe('');
    expect(await api.call('runs.events', { id: run.id })).toEqual([]);
    await api.call('runs.delete', { id: run.id });
    expect(existsSync(join(workbench.store.runsDir, run.id))).toBe(false);
  });

  it('does not let a damaged run stop a restarted workbench or the runs it lists', async () => {
    const good = finishedRun('good');
    const bad = finishedRun('bad');
    writeFileSync(recordPath(bad), '\0'.repeat(300));
    const restarted = new Workbench(home.path);
    try {
      const listed = await new DispatchedApi(restarted).call('runs.list', {});
      expect(listed.map((run) => [run.id, run.status]).sort()).toEqual(
        [
          [good.id, 'completed'],
          [bad.id, 'damaged'],
        ].sort(),
      );
      expect(listed.find((run) => run.id === bad.id)?.damage?.reason).toBe('holds only zero bytes (300): its contents never reached the disk');
    } finally {
      await restarted.datasetJobs.close();
    }
  });

  it('reads the events around a torn line and reports every skipped line with its number', async () => {
    const run = finishedRun('torn');
    const events = join(run.dir, 'events.jsonl');
    const whole = log('after the cut', 3);
    writeFileSync(
      events,
      [
        log('first', 1),
        log('second', 2).slice(0, 25) + whole, // the engine stopped mid-line, a resume appended after it
        '{"v": 1, "t": 4, "type": "lo', // cut short, the next line was written after a line end
        JSON.stringify({ v: EVENT_SCHEMA_VERSION, t: 5, type: 'step', loss: 'low' }),
        '',
        'garbage',
        log('last', 6),
        log('unfinished', 7).slice(0, 30),
      ].join('\n'),
    );

    const read = await api.call('runs.events', { id: run.id });
    expect(read.map((event) => (event.type === 'log' ? event.message : event.type))).toEqual(['first', 'after the cut', 'last']);
    const report = await api.call('runs.eventProblems', { id: run.id });
    expect(report.lines).toBe(8);
    expect(report.count).toBe(5);
    expect(report.problems.map((problem) => problem.line)).toEqual([2, 3, 4, 6, 8]);
    expect(report.problems[0]!.message).toBe('an event cut short; the event written after it on the same line was read');
    expect(report.problems[1]!.message).toBe('cut short ({"v": 1, "t": 4, "type": "lo)');
    expect(report.problems[2]!.message).toMatch(/^not a valid "step" event: /);
    expect(report.problems[3]!.message).toBe('not valid JSON (garbage)');
    expect(report.problems[4]!.message).toMatch(/^cut short: the file ends in the middle of this line/);

    // While the run goes on, an unfinished last line is the engine still writing it.
    workbench.store.update(run.id, { status: 'running', ended_at: null });
    const live = await api.call('runs.eventProblems', { id: run.id });
    expect(live.count).toBe(4);
    expect(live.problems.map((problem) => problem.line)).toEqual([2, 3, 4, 6]);

    // A damaged run's events are reported too; a run with a clean log has none.
    rmSync(recordPath(run));
    expect((await api.call('runs.eventProblems', { id: run.id })).count).toBe(5);
    const clean = finishedRun('clean');
    writeFileSync(join(clean.dir, 'events.jsonl'), `${log('a')}\n${log('b')}\n`);
    expect(await api.call('runs.eventProblems', { id: clean.id })).toEqual({ problems: [], count: 0, lines: 2 });
    expect((await api.error('runs.eventProblems', { id: 'no-such-run' })).code).toBe('not_found');
  });
});

describe('jsonProblem', () => {
  it('agrees with JSON.parse on what is JSON, for every cut and every changed character of a record', () => {
    const text = JSON.stringify({ id: 'x', status: 'completed', best: 0.5, list: [1, 'two', null, true, false], nested: { a: -1.5e3, s: 'q\\"\u00e9' } }, null, 2);
    const variants: string[] = [];
    for (let end = 0; end <= text.length; end += 1) variants.push(text.slice(0, end));
    for (let at = 0; at < text.length; at += 1) {
      for (const replacement of ['', 'x', ',', '}', '"', '0', ' ']) variants.push(text.slice(0, at) + replacement + text.slice(at + 1));
    }
    for (const variant of variants) {
      let valid = true;
      try {
        JSON.parse(variant);
      } catch {
        valid = false;
      }
      expect(jsonErrorOffset(variant) === -1, variant).toBe(valid);
    }
  });

  it('says empty, cut short, or the line and column of the mistake', () => {
    expect(jsonProblem('')).toBe('empty (0 bytes)');
    expect(jsonProblem('{\n  "a": 1,\n  "b": ')).toBe('cut short: the JSON is not complete at its end (line 3)');
    expect(jsonProblem('{\n  "a": 1,\n  "b": tru }')).toBe('not valid JSON at line 3, column 11');
    expect(jsonProblem('{"a": 1} trailing')).toBe('not valid JSON at line 1, column 10');
  });
});
