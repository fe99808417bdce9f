import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineSchemaFiles } from './schemaFiles.js';
import { RunConfigSchema } from '../../common/config.js';
import { EngineEventSchema } from '../../common/events.js';

describe('schemas shared with the engine', () => {
  it('the committed JSON Schema files match their zod definitions (run `npm run schemas` if not)', () => {
    for (const [path, text] of Object.entries(engineSchemaFiles())) {
      expect(readFileSync(path, 'utf8'), path).toBe(text);
    }
  });

  it('the config schema fills in defaults and rejects unknown keys and wrong types', () => {
    const config = RunConfigSchema.parse({ train_path: 'a.json', val_path: 'b.json' });
    expect(config.c_thought).toBe(1);
    expect(config.offline_model.n_embd).toBe(128);
    expect(config.reset_optimizer).toBe(false);
    const unknown = RunConfigSchema.safeParse({ train_path: 'a', val_path: 'b', learning_rate: 1 });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.message).toMatch(/learning_rate/);
    const wrongType = RunConfigSchema.safeParse({ train_path: 'a', val_path: 'b', c_thought: 'two' });
    expect(wrongType.error?.issues[0]?.path).toEqual(['c_thought']);
  });

  it('events are tagged by type and versioned', () => {
    const log = { v: 1, t: 1, type: 'log', level: 'info', message: 'hello' };
    expect(EngineEventSchema.parse(log)).toEqual(log);
    expect(EngineEventSchema.safeParse({ ...log, v: 2 }).success).toBe(false);
    expect(EngineEventSchema.safeParse({ ...log, type: 'mystery' }).success).toBe(false);
  });
});
