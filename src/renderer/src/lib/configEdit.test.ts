import { describe, expect, it } from 'vitest';
import { cloneConfig, editConfigText, nameStem, readConfigValue, reseedConfig, resumeConfig, uniqueName, withCheckpoint } from './configEdit';

/** A config as a user writes it: comments above and beside keys, a nested block, quoted strings. */
const CONFIG = `# My Coconut run
name: graph-coconut  # shown in the runs list
coconut: true
seed: 7 # the one that worked
# from the CoT run
load_model_path: None
resume: 1
num_epochs: 4
train_path: "datasets/q/train.json"
offline_model:
  n_layer: 2 # small
  n_embd: 128
`;

/** Every line of `before` except those naming the given keys is still in `after`, in order. */
function unchangedExcept(before: string, after: string, keys: string[]): void {
  const keep = (line: string) => !keys.some((key) => line.startsWith(`${key}:`));
  expect(after.split('\n').filter(keep)).toEqual(before.split('\n').filter(keep));
}

describe('editing a config text', () => {
  it('changes only the named keys and keeps comments, order and quoting', () => {
    const out = editConfigText(CONFIG, [
      { path: ['seed'], value: 8 },
      { path: ['offline_model', 'n_layer'], value: 4 },
    ]);
    expect(out).toContain('seed: 8 # the one that worked');
    expect(out).toContain('  n_layer: 4 # small');
    expect(out).toContain('train_path: "datasets/q/train.json"');
    unchangedExcept(CONFIG, out, ['seed', '  n_layer']);
  });

  it('adds a missing key at the end and removes one for undefined', () => {
    const out = editConfigText('name: x # keep\nlr: 0.1\n', [
      { path: ['seed'], value: 3 },
      { path: ['lr'], value: undefined },
    ]);
    expect(out).toBe('name: x # keep\nseed: 3\n');
  });

  it('keeps the quotes a value had, quotes a new value only where YAML needs it, and fills an empty value', () => {
    expect(editConfigText(CONFIG, [{ path: ['train_path'], value: 'd/t.json' }])).toContain('train_path: "d/t.json"\n');
    expect(editConfigText('name: a # n\n', [{ path: ['name'], value: 'a: b' }])).toBe('name: "a: b" # n\n');
    expect(editConfigText('# top\nload_model_path:\nseed: 1\n', [{ path: ['load_model_path'], value: '/c/e.pt' }])).toBe(
      '# top\nload_model_path: /c/e.pt\nseed: 1\n',
    );
    expect(editConfigText('a: 1', [{ path: ['b'], value: true }])).toBe('a: 1\nb: true\n');
    expect(editConfigText('', [{ path: ['b'], value: 2 }])).toBe('b: 2\n');
    expect(editConfigText('a: 1 # one\n', [{ path: ['offline_model', 'n_layer'], value: 3 }])).toBe('a: 1 # one\noffline_model:\n  n_layer: 3\n');
  });

  it('refuses text that is not a YAML mapping, saying why', () => {
    expect(() => editConfigText('name: [unclosed', [])).toThrow(/does not parse as YAML/);
    expect(() => editConfigText('- a\n- b\n', [])).toThrow(/must be a YAML mapping/);
  });

  it('reads a value', () => {
    expect(readConfigValue(CONFIG, ['offline_model', 'n_embd'])).toBe(128);
    expect(readConfigValue(CONFIG, ['missing'])).toBeUndefined();
  });
});

describe('names of derived runs', () => {
  it('strips only the suffixes the actions add', () => {
    expect(nameStem('graph-copy')).toBe('graph');
    expect(nameStem('graph-copy-3')).toBe('graph');
    expect(nameStem('graph-seed4')).toBe('graph');
    expect(nameStem('graph-from-epoch-2-copy')).toBe('graph');
    expect(nameStem('lr-1e-4')).toBe('lr-1e-4');
    expect(nameStem('-copy')).toBe('-copy');
  });

  it('numbers a name that a run already has', () => {
    expect(uniqueName('x-copy', ['x'])).toBe('x-copy');
    expect(uniqueName('x-copy', ['x-copy', 'x-copy-2'])).toBe('x-copy-3');
  });
});

describe('the actions on a run', () => {
  it('clone: the same config under a suffixed name, nothing else changed', () => {
    const { yaml, name } = cloneConfig(CONFIG, ['graph-coconut', 'graph-coconut-copy']);
    expect(name).toBe('graph-coconut-copy-2');
    expect(yaml).toBe(CONFIG.replace('name: graph-coconut  #', 'name: graph-coconut-copy-2  #'));
    // A clone of the clone does not pile up suffixes.
    expect(cloneConfig(yaml, ['graph-coconut-copy-2']).name).toBe('graph-coconut-copy');
  });

  it('clone of a config without a name starts from the default name', () => {
    const { yaml, name } = cloneConfig('coconut: true\n', []);
    expect(name).toBe('run-copy');
    expect(yaml).toBe('coconut: true\nname: run-copy\n');
  });

  it('re-run with another seed: the next seed above every one used, named after it', () => {
    const out = reseedConfig(CONFIG, { takenNames: [], usedSeeds: [7, 9, null, 2] });
    expect(out.previousSeed).toBe(7);
    expect(out.seed).toBe(10);
    expect(out.name).toBe('graph-coconut-seed10');
    expect(out.yaml).toContain('seed: 10 # the one that worked');
    expect(out.yaml).toContain('name: graph-coconut-seed10  # shown in the runs list');
    unchangedExcept(CONFIG, out.yaml, ['seed', 'name']);
    // Without a seed key the default (0) is the one to move on from.
    expect(reseedConfig('name: a\n', { takenNames: [] }).yaml).toBe('name: a-seed1\nseed: 1\n');
  });

  it('resume: load_model_path names the checkpoint and resume skips its epochs', () => {
    const out = resumeConfig(CONFIG, { file: '/runs/r1/checkpoints/epoch-2.pt', epoch: 2, label: 'epoch-2' }, []);
    expect(out.name).toBe('graph-coconut-from-epoch-2');
    expect(out.yaml).toContain('# from the CoT run\nload_model_path: /runs/r1/checkpoints/epoch-2.pt\nresume: 2\n');
    expect(out.note).toBeNull();
    unchangedExcept(CONFIG, out.yaml, ['load_model_path', 'resume', 'name']);
  });

  it('resume from the last epoch says that num_epochs must grow', () => {
    const out = resumeConfig(CONFIG, { file: '/c/epoch-4.pt', epoch: 4, label: 'epoch-4' }, []);
    expect(out.note).toBe('num_epochs is 4 and the checkpoint completed 4: raise num_epochs to train further.');
  });

  it('resume from a checkpoint of unknown epoch sets the path and asks for resume', () => {
    const out = resumeConfig(CONFIG, { file: '/c/best.pt', epoch: null, label: 'best' }, ['graph-coconut-from-best']);
    expect(out.name).toBe('graph-coconut-from-best-2');
    expect(out.yaml).toContain('load_model_path: /c/best.pt\nresume: 1\n');
    expect(out.note).toMatch(/set resume to the epochs it completed/);
    expect(nameStem(out.name)).toBe('graph-coconut');
  });

  it("the form's checkpoint picker sets load_model_path, and resume when told", () => {
    const both = withCheckpoint(CONFIG, '/c/best.pt', 1);
    expect(both).toContain('load_model_path: /c/best.pt\nresume: 1\n');
    unchangedExcept(CONFIG, both, ['load_model_path']);
    const pathOnly = withCheckpoint('resume: 3 # keep\n', '/c/x.pt', null);
    expect(pathOnly).toBe('resume: 3 # keep\nload_model_path: /c/x.pt\n');
  });
});
