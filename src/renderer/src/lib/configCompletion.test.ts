import { describe, expect, it } from 'vitest';
import { configSuggestions, presentKeys } from './configCompletion';

describe('config completion', () => {
  it('offers the keys not yet in the document, with their default and description', () => {
    const suggestions = configSuggestions('cu', presentKeys('coconut: true\nc_thought: 2\n'));
    const labels = suggestions.map((s) => s.label);
    expect(labels).toContain('curriculum');
    expect(labels).not.toContain('c_thought'); // already there
    expect(labels).not.toContain('coconut');
    const curriculum = suggestions.find((s) => s.label === 'curriculum');
    expect(curriculum).toMatchObject({ kind: 'key', insertText: 'curriculum: true', detail: 'boolean' });
    expect(curriculum?.documentation).toContain('w/o curriculum');
  });

  it('offers object keys without a value, and marks required keys', () => {
    const suggestions = configSuggestions('', new Set());
    expect(suggestions.find((s) => s.label === 'offline_model')?.insertText).toBe('offline_model:');
    expect(suggestions.find((s) => s.label === 'train_path')?.documentation).toContain('Required.');
  });

  it('offers the values a key accepts after "key: "', () => {
    expect(configSuggestions('reset_optimizer: ', new Set()).map((s) => s.label)).toEqual(['false', 'true', 'per_epoch', 'per_stage', 'never']);
    expect(configSuggestions('device: c', new Set()).map((s) => s.label)).toEqual(['auto', 'cpu', 'cuda']);
    expect(configSuggestions('load_model_path: ', new Set()).map((s) => s.label)).toEqual(['null']);
    expect(configSuggestions('no_such_key: ', new Set())).toEqual([]);
    expect(configSuggestions('  n_layer: ', new Set())).toEqual([]); // nested keys: not offered
  });
});
