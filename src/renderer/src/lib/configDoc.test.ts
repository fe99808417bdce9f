import { describe, expect, it } from 'vitest';
import {
  FORM_FIELDS,
  checkDocument,
  draftValue,
  parseConfigText,
  placeIssues,
  rangeOfPath,
  readDrafts,
  textDelta,
  writeDraft,
  type FieldSpec,
} from './configDoc';

const field = (key: string): FieldSpec => {
  const f = FORM_FIELDS.find((x) => x.key === key);
  if (!f) throw new Error(`no field ${key}`);
  return f;
};

const SAMPLE = `# ProsQA, Coconut
name: prosqa-coconut   # shown in the runs list
coconut: true
cot: false
train_path: data/train.json
val_path: data/valid.json
c_thought: 1
num_epochs: 50 # paper setting
lr: 1e-4
offline_model:
  n_layer: 2  # tiny
`;

describe('form ↔ YAML', () => {
  it('reads every form field from the YAML', () => {
    const drafts = readDrafts(parseConfigText(SAMPLE));
    expect(drafts.name).toBe('prosqa-coconut');
    expect(drafts.method).toBe('coconut');
    expect(drafts.num_epochs).toBe('50');
    expect(drafts.lr).toBe('0.0001');
    expect(drafts['offline_model.n_layer']).toBe('2');
    expect(drafts['offline_model.n_embd']).toBe('');
    expect(drafts.load_model_path).toBe('');
  });

  it('changes only the edited key and keeps comments', () => {
    const doc = parseConfigText(SAMPLE);
    writeDraft(doc, field('num_epochs'), '12');
    writeDraft(doc, field('offline_model.n_layer'), '4');
    const text = doc.toString();
    expect(text).toContain('# ProsQA, Coconut');
    expect(text).toContain('# shown in the runs list');
    expect(text).toMatch(/num_epochs: 12 # paper setting/);
    expect(text).toMatch(/n_layer: 4 # tiny/);
    expect(text).toContain('train_path: data/train.json');
    expect(text).toContain('lr: 1e-4'); // untouched scalars keep their source form
  });

  it('adds missing keys, nested ones included, and removes emptied ones', () => {
    const doc = parseConfigText(SAMPLE);
    writeDraft(doc, field('batch_size_training'), '16');
    writeDraft(doc, field('offline_model.n_head'), '8');
    writeDraft(doc, field('c_thought'), '');
    const back = parseConfigText(doc.toString()).toJS() as Record<string, unknown>;
    expect(back.batch_size_training).toBe(16);
    expect(back.offline_model).toEqual({ n_layer: 2, n_head: 8 });
    expect('c_thought' in back).toBe(false);
  });

  it('maps the method choice onto the four flags', () => {
    const doc = parseConfigText(SAMPLE);
    writeDraft(doc, field('method'), 'cot');
    let js = parseConfigText(doc.toString()).toJS() as Record<string, unknown>;
    expect(js.coconut).toBe(false);
    expect(js.cot).toBe(true);
    expect('no_cot' in js).toBe(false);

    writeDraft(doc, field('method'), 'pause_as_thought');
    js = parseConfigText(doc.toString()).toJS() as Record<string, unknown>;
    expect([js.coconut, js.cot]).toEqual([false, false]);
    expect(readDrafts(doc).method).toBe('pause_as_thought');

    writeDraft(doc, field('method'), 'no_thoughts');
    expect(readDrafts(parseConfigText(doc.toString())).method).toBe('no_thoughts');
  });

  it('turns drafts into YAML values', () => {
    expect(draftValue(field('lr'), '1e-4')).toBe(0.0001);
    expect(draftValue(field('num_epochs'), ' 7 ')).toBe(7);
    expect(draftValue(field('num_epochs'), '')).toBeUndefined();
    expect(draftValue(field('num_epochs'), 'seven')).toBe('seven');
    expect(draftValue(field('load_model_path'), '')).toBeNull();
    expect(draftValue(field('train_path'), '  a.json ')).toBe('a.json');
  });
});

describe('validation', () => {
  it('accepts a valid config', () => {
    expect(checkDocument(parseConfigText(SAMPLE))).toEqual([]);
  });

  it('places an unknown key and a wrong type on their lines', () => {
    const text = SAMPLE + 'bogus_key: 3\n';
    const source = text.replace('num_epochs: 50', 'num_epochs: many');
    const doc = parseConfigText(source);
    const issues = checkDocument(doc);
    const unknown = issues.find((i) => i.path === 'bogus_key');
    const wrong = issues.find((i) => i.path === 'num_epochs');
    expect(unknown?.message).toBe('unknown key `bogus_key`');
    expect(wrong?.message).toBe('must be a whole number (got text "many")');
    expect(source.slice(unknown!.range![0], unknown!.range![1])).toBe('bogus_key: 3');
    expect(source.slice(wrong!.range![0], wrong!.range![1])).toBe('num_epochs: many');
  });

  it('reports a missing required key', () => {
    const issues = checkDocument(parseConfigText('coconut: true\nval_path: v.json\n'));
    expect(issues).toEqual([expect.objectContaining({ path: 'train_path', message: 'is required', range: null })]);
  });

  it('suggests the key a misspelt one was meant as, and marks its line', () => {
    const source = 'train_path: a\nval_path: b\nnum_epoch: 3\noffline_model:\n  n_layers: 4\n';
    const issues = checkDocument(parseConfigText(source));
    expect(issues.map((i) => [i.path, i.message, source.slice(i.range![0], i.range![1])])).toEqual([
      ['offline_model.n_layers', 'unknown key `n_layers` — did you mean `n_layer`?', 'n_layers: 4'],
      ['num_epoch', 'unknown key `num_epoch` — did you mean `num_epochs`?', 'num_epoch: 3'],
    ]);
  });

  it('places host warnings as warnings', () => {
    const doc = parseConfigText(SAMPLE + 'resume: 1\n');
    const [warning] = placeIssues(doc, [{ path: 'resume', message: 'no checkpoint' }], 'host', 'warning');
    expect(warning).toMatchObject({ severity: 'warning', source: 'host' });
    expect(SAMPLE.length).toBe(warning!.range![0]);
    expect(placeIssues(doc, [{ path: 'resume', message: 'x' }])[0]).not.toHaveProperty('severity');
  });

  it('reports nested problems at the nested key', () => {
    const doc = parseConfigText('train_path: a\nval_path: b\noffline_model:\n  n_head: 0\n');
    const issue = checkDocument(doc).find((i) => i.path === 'offline_model.n_head');
    expect(issue?.message).toBe('must be greater than 0');
    expect(rangeOfPath(doc, ['offline_model', 'n_head'])).toEqual(issue!.range);
  });

  it('reports YAML syntax errors with a position', () => {
    const issues = checkDocument(parseConfigText('train_path: [a\nval_path: b\n'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.source).toBe('yaml');
    expect(issues[0]!.range).not.toBeNull();
  });

  it('rejects a YAML document that is not a mapping', () => {
    expect(checkDocument(parseConfigText('- a\n- b\n'))[0]!.message).toMatch(/mapping/);
  });
});

describe('textDelta', () => {
  it('finds the smallest replaced span', () => {
    expect(textDelta('a: 1\nb: 2\n', 'a: 1\nb: 30\n')).toEqual({ start: 8, end: 9, text: '30' });
    expect(textDelta('same', 'same')).toBeNull();
    expect(textDelta('', 'x')).toEqual({ start: 0, end: 0, text: 'x' });
  });
});
