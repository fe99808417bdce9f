import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RunConfigSchema } from './config.js';
import { configErrorMap, describeJsonType, didYouMean, editDistance, keyPathsOf, parseRunConfig } from './configMessages.js';

const REQUIRED = { train_path: 'train.json', val_path: 'valid.json' };

/** The issues of a config that sets `overrides` on top of the required keys, as `path: message`. */
function problems(overrides: Record<string, unknown>): string[] {
  const parsed = parseRunConfig({ ...REQUIRED, ...overrides });
  return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('config messages in researcher words', () => {
  it('says which bound a number misses', () => {
    expect(problems({ num_epochs: 0 })).toEqual(['num_epochs: must be greater than 0']);
    expect(problems({ lr: -0.1 })).toEqual(['lr: must be greater than 0']);
    expect(problems({ resume: -1 })).toEqual(['resume: must be at least 0']);
    expect(problems({ uniform_prob: 1.5 })).toEqual(['uniform_prob: must be at most 1']);
  });

  it('says what type a key takes and what it got', () => {
    expect(problems({ lr: 'abc' })).toEqual(['lr: must be a number (got text "abc")']);
    expect(problems({ num_epochs: 'abc' })).toEqual(['num_epochs: must be a whole number (got text "abc")']);
    expect(problems({ num_epochs: 2.5 })).toEqual(['num_epochs: must be a whole number (got 2.5)']);
    // YAML 1.1 spelt booleans yes/no/on/off; configs are read as YAML 1.2, where they are text.
    expect(problems({ coconut: 'yes' })).toEqual(['coconut: must be true or false (got text "yes"); configs are YAML 1.2, where yes is text: write true']);
    expect(problems({ debug: 'Off' })).toEqual(['debug: must be true or false (got text "Off"); configs are YAML 1.2, where Off is text: write false']);
    expect(problems({ debug: 'maybe' })).toEqual(['debug: must be true or false (got text "maybe")']);
    expect(problems({ c_thought: null })).toEqual(['c_thought: must be a whole number (got an empty value)']);
    expect(problems({ offline_model: 5 })).toEqual(['offline_model: must be a mapping of keys to values (got 5)']);
  });

  it('names a missing required key and an empty text', () => {
    expect(parseRunConfig({ val_path: 'v.json' })).toEqual({ ok: false, issues: [{ path: 'train_path', message: 'is required' }] });
    expect(problems({ train_path: '' })).toEqual(['train_path: must not be empty']);
  });

  it('lists the allowed values of an enum and suggests the close one', () => {
    expect(problems({ device: 'CUDA' })).toEqual(['device: must be one of "auto", "cpu", "cuda" (got text "CUDA") — did you mean "cuda"?']);
    // "gpu" is one letter from "cpu", but a researcher writing it means the GPU.
    expect(problems({ device: 'gpu' })).toEqual(['device: must be one of "auto", "cpu", "cuda" (got text "gpu") — did you mean "cuda"?']);
    expect(problems({ precision: 'half' })).toEqual(['precision: must be one of "auto", "fp32", "bf16" (got text "half")']);
  });

  it('describes every option of a union when none fits', () => {
    expect(problems({ max_val_samples: 'all' })).toEqual(['max_val_samples: must be a whole number from 1 to 100000000 or null (got text "all")']);
    expect(problems({ eval_stage: 'last' })).toEqual(['eval_stage: must be "current" or a whole number from 0 to 64 (got text "last")']);
    expect(problems({ reset_optimizer: 'sometimes' })).toEqual([
      'reset_optimizer: must be true or false, or one of "per_epoch", "per_stage", "never" (got text "sometimes")',
    ]);
    // When the value has the right type, the option's own bound is the message.
    expect(problems({ max_val_samples: 0 })).toEqual(['max_val_samples: must be greater than 0']);
  });

  it('puts each unknown key at its own path with the key it was likely meant as', () => {
    expect(problems({ num_epoch: 3, bogus: 1 })).toEqual(['num_epoch: unknown key `num_epoch` — did you mean `num_epochs`?', 'bogus: unknown key `bogus`']);
    expect(problems({ offline_model: { n_layers: 3 } })).toEqual(['offline_model.n_layers: unknown key `n_layers` — did you mean `n_layer`?']);
    // A nested key written at the top level, and names other tools use.
    expect(problems({ n_head: 4 })).toEqual(['n_head: unknown key `n_head` — did you mean `offline_model.n_head`?']);
    expect(problems({ learning_rate: 0.1 })).toEqual(['learning_rate: unknown key `learning_rate` — did you mean `lr`?']);
  });

  it('leaves a valid config alone and fills in the defaults', () => {
    const parsed = parseRunConfig({ ...REQUIRED, coconut: true });
    expect(parsed.ok && parsed.config.num_epochs).toBe(50);
  });

  it('is a plain zod error map, usable with any schema', () => {
    const result = z.strictObject({ count: z.number().int().positive() }).safeParse({ count: 0, cuont: 1 }, { error: configErrorMap });
    expect(result.error?.issues.map((issue) => issue.message).sort()).toEqual(['must be greater than 0', 'unknown key `cuont` — did you mean `count`?']);
  });
});

describe('did you mean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('num_epochs', 'num_epochs')).toBe(0);
    expect(editDistance('num_epoch', 'num_epochs')).toBe(1);
    expect(editDistance('nmu_epochs', 'num_epochs')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only a close candidate, ignoring case and dashes', () => {
    expect(didYouMean('num-epochs', ['lr', 'num_epochs'])).toBe('num_epochs');
    expect(didYouMean('Seed', ['seed', 'name'])).toBe('seed');
    expect(didYouMean('xyz', ['lr', 'num_epochs'])).toBeNull();
    expect(didYouMean('epochs_per_stag', ['num_epochs', 'epochs_per_stage'])).toBe('epochs_per_stage');
  });
});

describe('types in words', () => {
  it('reads bounds, enums, constants and unions from JSON Schema', () => {
    expect(describeJsonType({ type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER })).toBe('a whole number > 0');
    expect(describeJsonType({ type: 'number', minimum: 0, maximum: 1 })).toBe('a number from 0 to 1');
    // A whole number's strict bounds read as the inclusive range; a number's stay strict.
    expect(describeJsonType({ type: 'integer', exclusiveMinimum: 0, maximum: 64 })).toBe('a whole number from 1 to 64');
    expect(describeJsonType({ type: 'number', exclusiveMinimum: 0, maximum: 10 })).toBe('a number > 0 and ≤ 10');
    expect(describeJsonType({ type: 'string', enum: ['a', 'b'] })).toBe('one of "a", "b"');
    expect(describeJsonType({ anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }] })).toBe('non-empty text or null');
    expect(describeJsonType({ type: 'array', items: { type: 'integer', minimum: 0, maximum: 4 } })).toBe('a list (each a whole number from 0 to 4)');
  });

  it('lists the schema keys with nested ones after their parent', () => {
    const keys = keyPathsOf(RunConfigSchema);
    expect(keys).toContain('num_epochs');
    expect(keys.slice(-4)).toEqual(['offline_model.n_layer', 'offline_model.n_embd', 'offline_model.n_head', 'offline_model.n_positions']);
  });
});
