import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { presetPath } from '../api/handlers.js';
import { tempDir, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { checkConfig } from './configText.js';

describe('checkConfig', () => {
  let home: ReturnType<typeof tempDir>;
  let tiny: TinyRun;
  let checkpoint: string;
  beforeEach(() => {
    home = tempDir();
    tiny = tinyRun(home.path);
    checkpoint = join(home.path, 'best.pt');
    writeFileSync(checkpoint, 'not a real checkpoint; only its existence is checked here');
  });
  afterEach(() => home.remove());

  const check = (overrides: Record<string, unknown>) => checkConfig(tiny.configYaml(overrides), home.path);

  it('has neither issues nor warnings for a clean config', () => {
    const result = check({});
    expect(result).toMatchObject({ ok: true, issues: [], warnings: [], method: 'coconut' });
  });

  describe('warnings', () => {
    it('warns when a resumed curriculum starts from no checkpoint, naming the stage it starts at', () => {
      const result = check({ resume: 2, num_epochs: 6, epochs_per_stage: 1 });
      expect(result.ok).toBe(true); // a warning never blocks
      expect(result.warnings).toEqual([
        {
          path: 'resume',
          message:
            'resume is 2 but load_model_path names no checkpoint: training starts from the base model at stage 2 and skips the first 2 epochs; ' +
            'set load_model_path to a checkpoint of the run you continue (e.g. its best.pt)',
        },
      ]);
      expect(check({ resume: 3, num_epochs: 8, epochs_per_stage: 2 }).warnings[0]?.message).toContain('at stage 1 and skips the first 3 epochs');
      // The reference spells "no checkpoint" as the string None.
      expect(check({ resume: 1, load_model_path: 'None', icot: true, coconut: false }).warnings[0]?.message).toContain('at stage 1 and skips the first epoch;');
      expect(check({ resume: 1, cot: true, coconut: false }).warnings[0]?.message).toContain('training starts from the base model and skips the first epoch');
    });

    it('does not warn when the resumed run names its checkpoint', () => {
      expect(check({ resume: 2, load_model_path: checkpoint }).warnings).toEqual([]);
    });

    it('warns that uniform_prob does nothing for methods whose samples ignore the stage', () => {
      expect(check({ uniform_prob: 0.3, coconut: false, no_cot: true }).warnings.map((w) => w.path)).toEqual(['uniform_prob']);
      expect(check({ uniform_prob: 0.3, coconut: false, icot: true }).warnings[0]?.message).toMatch(/^is 0.3 but has no effect: iCoT/);
      // CoT and Coconut do mix stages with it.
      expect(check({ uniform_prob: 0.3 }).warnings).toEqual([]);
      expect(check({ uniform_prob: 0.3, coconut: false, cot: true }).warnings).toEqual([]);
    });

    it('warns that bf16 does nothing on the CPU', () => {
      expect(check({ device: 'cpu', bf16: true }).warnings.map((w) => w.path)).toEqual(['bf16']);
      expect(check({ device: 'cpu', precision: 'bf16' }).warnings.map((w) => w.path)).toEqual(['precision']);
      expect(check({ device: 'auto', bf16: true }).warnings).toEqual([]);
    });
  });

  describe('the quickstart presets', () => {
    beforeEach(() => {
      const data = join(home.path, 'datasets', 'quickstart');
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, 'train.json'), readFileSync(tiny.trainPath));
      writeFileSync(join(data, 'valid.json'), readFileSync(tiny.valPath));
    });

    const preset = (name: string, overrides: Record<string, unknown> = {}): string => {
      const document = parseDocument(readFileSync(presetPath(name), 'utf8'));
      for (const [key, value] of Object.entries(overrides)) document.set(key, value);
      return document.toString();
    };

    it('give no warning for what the quickstart submits', () => {
      expect(checkConfig(preset('quickstart-cot'), home.path)).toMatchObject({ ok: true, warnings: [] });
      // The quickstart fills in the CoT run's best checkpoint before submitting the Coconut step.
      expect(checkConfig(preset('quickstart-coconut', { load_model_path: checkpoint }), home.path)).toMatchObject({ ok: true, warnings: [] });
    });

    it('warn about the Coconut template as the editor loads it, without a checkpoint', () => {
      const result = checkConfig(preset('quickstart-coconut'), home.path);
      expect(result.ok).toBe(true);
      expect(result.warnings.map((w) => w.path)).toEqual(['resume']);
      expect(result.warnings[0]?.message).toContain('at stage 1');
    });
  });

  it('rejects a resume that leaves no epoch to train, as the engine does', () => {
    expect(check({ resume: 3, num_epochs: 3, load_model_path: checkpoint }).issues).toEqual([
      { path: 'resume', message: 'skipping 3 epochs leaves nothing to train (num_epochs is 3)' },
    ]);
    expect(check({ resume: 3, num_epochs: 3, load_model_path: checkpoint, only_eval: true }).ok).toBe(true);
  });

  it('reports schema problems in researcher words at their paths', () => {
    const result = check({ num_epoch: 4, lr: 0 });
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([
      { path: 'lr', message: 'must be greater than 0' },
      { path: 'num_epoch', message: 'unknown key `num_epoch` — did you mean `num_epochs`?' },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('keeps a load_model_path that does not exist an error', () => {
    const result = check({ resume: 1, load_model_path: 'nowhere/best.pt' });
    expect(result.issues).toEqual([{ path: 'load_model_path', message: `file not found: ${join(home.path, 'nowhere/best.pt')}` }]);
  });
});
