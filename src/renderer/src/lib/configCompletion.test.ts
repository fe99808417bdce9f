import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../../common/config';
import { keyPathsOf } from '../../../common/configMessages';
import { configHoverAt, configKeyDocs, configSuggestions, keyPathAt, presentKeys } from './configCompletion';

describe('config completion', () => {
  it('offers the keys not yet in the document, with their default and description', () => {
    const suggestions = configSuggestions('cu', presentKeys('coconut: true\nc_thought: 2\n'));
    const labels = suggestions.map((s) => s.label);
    expect(labels).toContain('curriculum');
    expect(labels).not.toContain('c_thought'); // already there
    expect(labels).not.toContain('coconut');
    const curriculum = suggestions.find((s) => s.label === 'curriculum');
    expect(curriculum).toMatchObject({ kind: 'key', insertText: 'curriculum: true', detail: 'true or false' });
    expect(curriculum?.documentation).toContain('w/o curriculum');
  });

  it('offers object keys without a value, and marks required keys', () => {
    const suggestions = configSuggestions('', new Set());
    expect(suggestions.find((s) => s.label === 'offline_model')?.insertText).toBe('offline_model:');
    expect(suggestions.find((s) => s.label === 'train_path')?.documentation).toContain('Required.');
  });

  it('offers the values a key accepts after "key: "', () => {
    expect(configSuggestions('reset_optimizer: ', new Set()).map((s) => s.label)).toEqual(['false', 'true', 'per_epoch', 'per_stage', 'never']);
    expect(configSuggestions('eval_stage: ', new Set()).map((s) => s.label)).toEqual(['current']);
    expect(configSuggestions('device: c', new Set()).map((s) => s.label)).toEqual(['auto', 'cpu', 'cuda']);
    expect(configSuggestions('load_model_path: ', new Set()).map((s) => s.label)).toEqual(['null']);
    expect(configSuggestions('no_such_key: ', new Set())).toEqual([]);
    expect(configSuggestions('  n_layer: ', new Set())).toEqual([]); // nested keys: not offered
  });
});

describe('config key documentation', () => {
  it('documents every key of the schema, nested ones included, with a description, type and default', () => {
    const docs = configKeyDocs();
    const keys = keyPathsOf(RunConfigSchema);
    expect(keys).toContain('offline_model.n_positions');
    for (const key of keys) {
      const doc = docs.get(key);
      expect(doc, key).toBeDefined();
      expect(doc!.description.length, `${key} has no .describe() text`).toBeGreaterThan(0);
      expect(doc!.type.length, key).toBeGreaterThan(0);
      expect(doc!.required || doc!.default !== undefined, `${key} is neither required nor has a default`).toBe(true);
    }
    expect([...docs.keys()].sort()).toEqual([...keys].sort());
  });

  it('says type, default and allowed values in words', () => {
    const docs = configKeyDocs();
    expect(docs.get('num_epochs')).toMatchObject({ type: 'a whole number from 1 to 10000', default: 50, required: false, description: 'Total epochs.' });
    expect(docs.get('device')).toMatchObject({ type: 'one of "auto", "cpu", "cuda"', default: 'auto', values: ['auto', 'cpu', 'cuda'] });
    expect(docs.get('train_path')).toMatchObject({ required: true, type: 'non-empty text' });
    expect(docs.get('offline_model.n_head')).toMatchObject({ default: 4, description: 'Attention heads; must divide n_embd.' });
  });
});

describe('config hover', () => {
  const TEXT = ['# a comment', 'num_epochs: 4', 'offline_model:', '  # nested', '  n_head: 8', 'device: cpu', '  ', 'unknown_key: 1'];

  it('finds the key path of a line by indentation', () => {
    expect(keyPathAt(TEXT, 1)).toEqual({ path: 'num_epochs', keyStart: 0, keyEnd: 10 });
    expect(keyPathAt(TEXT, 4)).toEqual({ path: 'offline_model.n_head', keyStart: 2, keyEnd: 8 });
    expect(keyPathAt(TEXT, 5)?.path).toBe('device');
    expect(keyPathAt(TEXT, 0)).toBeNull();
    expect(keyPathAt(['train_path: [', '  a: 1'], 1)).toBeNull(); // inside a flow value, not a mapping
  });

  it('shows the documentation of the key under the cursor', () => {
    const top = configHoverAt(TEXT, 1, 3);
    expect(top?.markdown).toContain('**num_epochs**');
    expect(top?.markdown).toContain('Total epochs.');
    expect(top?.markdown).toContain('Type: a whole number from 1 to 10000 · Default: `50`');
    const nested = configHoverAt(TEXT, 4, 2);
    expect(nested?.markdown).toContain('**offline_model.n_head**');
    expect(nested?.markdown).toContain('Default: `4`');
    expect(configHoverAt(TEXT, 2, 0)?.markdown).toContain('Default: each nested key has its own.');
  });

  it('shows nothing off a key name or for a key the config does not know', () => {
    expect(configHoverAt(TEXT, 1, 12)).toBeNull(); // on the value
    expect(configHoverAt(TEXT, 4, 0)).toBeNull(); // in the indentation
    expect(configHoverAt(TEXT, 0, 2)).toBeNull();
    expect(configHoverAt(TEXT, 7, 2)).toBeNull();
  });
});
