import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { presetPath } from '../api/handlers.js';
import { tempDir, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { CONFIG_YAML_LIMITS } from '../../common/config.js';
import { checkConfig, configToYaml, parseConfigYaml, readConfigFile } from './configText.js';
import { QUICKSTART_DATASETS } from '../datasets/quickstart.js';
import { QUICKSTART_PRESETS } from '../cli/commands/quickstart.js';

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
      for (const name of Object.keys(QUICKSTART_DATASETS)) {
        const data = join(home.path, 'datasets', name);
        mkdirSync(data, { recursive: true });
        writeFileSync(join(data, 'train.json'), readFileSync(tiny.trainPath));
        writeFileSync(join(data, 'valid.json'), readFileSync(tiny.valPath));
      }
    });

    const preset = (name: string, overrides: Record<string, unknown> = {}): string => {
      const document = parseDocument(readFileSync(presetPath(name), 'utf8'));
      for (const [key, value] of Object.entries(overrides)) document.set(key, value);
      return document.toString();
    };

    it('give no warning for what the quickstart submits', () => {
      expect(checkConfig(preset('quickstart-cot'), home.path)).toMatchObject({ ok: true, warnings: [] });
      // The quickstart fills in the CoT run's best checkpoint before submitting the Coconut step.
      expect(checkConfig(preset('quickstart-coconut-frontier', { load_model_path: checkpoint }), home.path)).toMatchObject({ ok: true, warnings: [] });
      expect(checkConfig(preset('quickstart-coconut', { load_model_path: checkpoint }), home.path)).toMatchObject({ ok: true, warnings: [] });
    });

    it.each(Object.entries(QUICKSTART_PRESETS))("of the '%s' recipe train on its own dataset, without warnings", (_name, recipe) => {
      const data = join(home.path, 'datasets', recipe.dataset);
      for (const [step, overrides] of [[recipe.cot, {}], [recipe.coconut, { load_model_path: checkpoint }]] as const) {
        const result = checkConfig(preset(step, overrides), home.path);
        expect(result).toMatchObject({ ok: true, warnings: [] });
        expect(result.config).toMatchObject({ name: step, train_path: join(data, 'train.json'), val_path: join(data, 'valid.json') });
      }
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

  it('accepts frontier_thought_labels only beside frontier_supervision', () => {
    expect(check({ frontier_thought_labels: true, frontier_supervision: true })).toMatchObject({ ok: true, issues: [] });
    expect(check({ frontier_thought_labels: true }).issues).toEqual([
      { path: 'frontier_thought_labels', message: 'labels the thoughts with the frontier nodes of frontier supervision; set frontier_supervision: true as well' },
    ]);
  });

  it('accepts frontier_supervision only with continuous thoughts and the curriculum, as the engine does', () => {
    expect(check({ frontier_supervision: true })).toMatchObject({ ok: true, issues: [] });
    expect(check({ frontier_supervision: true, coconut: false })).toMatchObject({ ok: true, method: 'pause_as_thought' });
    expect(check({ frontier_supervision: true, coconut: false, cot: true }).issues).toEqual([
      { path: 'frontier_supervision', message: 'trains what continuous thoughts hold, but method cot has no thoughts (use it with coconut or pause_as_thought)' },
    ]);
    expect(check({ frontier_supervision: true, curriculum: false }).issues).toEqual([
      { path: 'frontier_supervision', message: "supervises the curriculum's stages, but curriculum: false trains only the final stage, where the target is the answer; drop one" },
    ]);
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

/** The issues of a config text with the required paths, as `path: message`. */
function issuesOf(lines: string): string[] {
  const parsed = parseConfigYaml(`train_path: t.json\nval_path: v.json\n${lines}\n`);
  return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

function configOf(lines: string) {
  const parsed = parseConfigYaml(`train_path: t.json\nval_path: v.json\n${lines}\n`);
  if (!parsed.ok) throw new Error(parsed.issues.map((issue) => issue.message).join('; '));
  return parsed.config;
}

describe('reading config YAML by the engine\'s rules (YAML 1.2 core schema)', () => {
  it('reads what YAML 1.1 would turn into booleans, times and dates as text', () => {
    expect(configOf('name: no').name).toBe('no');
    expect(configOf('name: yes').name).toBe('yes');
    expect(configOf('name: 12:30').name).toBe('12:30');
    expect(configOf('name: 2024-01-01').name).toBe('2024-01-01');
    expect(issuesOf('name: ~')).toEqual(['name: must be text (got an empty value)']);
  });

  it('refuses yes, on and off for a flag, and says to write true or false', () => {
    expect(issuesOf('coconut: yes')).toEqual(['coconut: must be true or false (got text "yes"); configs are YAML 1.2, where yes is text: write true']);
    expect(issuesOf('debug: off')).toEqual(['debug: must be true or false (got text "off"); configs are YAML 1.2, where off is text: write false']);
    expect(issuesOf('bf16: On')).toEqual(['bf16: must be true or false (got text "On"); configs are YAML 1.2, where On is text: write true']);
    expect(configOf('coconut: True').coconut).toBe(true); // the reference's spelling
  });

  it('reads small numbers, exponents and the reference\'s !!float, and writes them back the same', () => {
    expect(configOf('lr: 0.0000005').lr).toBe(5e-7);
    expect(configOf('lr: 1e-4').lr).toBe(1e-4);
    expect(configOf('lr: !!float "1e-4"').lr).toBe(1e-4);
    const config = configOf('lr: 0.0000005\nname: "yes"\nproject: "12:30"\nsave_path: "a: b # c"\nmodel_id: "1e5"');
    const written = configToYaml(config);
    expect(written).toContain('lr: 5e-7\n');
    expect(written).toContain('name: yes\n');
    expect(written).toContain('model_id: "1e5"\n');
    expect(parseConfigYaml(written)).toEqual({ ok: true, config });
  });

  it('bounds every number, naming the key', () => {
    expect(issuesOf('offline_model: {n_embd: 1e9}')).toEqual(['offline_model.n_embd: must be at most 16384']);
    expect(issuesOf('workers: 100000')).toEqual(['workers: must be at most 64']);
    expect(issuesOf('max_latent_stage: 1000')).toEqual(['max_latent_stage: must be at most 64']);
    expect(issuesOf('lr: 11')).toEqual(['lr: must be at most 10']);
    expect(issuesOf('seed: -1')).toEqual(['seed: must be at least 0']);
  });

  it('refuses NaN and the infinities', () => {
    expect(issuesOf('lr: .nan')).toEqual(['lr: must be a finite number (got .nan)']);
    expect(issuesOf('weight_decay: .inf')).toEqual(['weight_decay: must be a finite number (got .inf)']);
    expect(issuesOf('icot_smoothing: -.Inf')).toEqual(['icot_smoothing: must be a finite number (got -.inf)']);
  });

  it('refuses aliases, so a "billion laughs" text is one clear message', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, k) => `${'bcdefghij'[k]}: &${'bcdefghij'[k]} [${Array(9).fill(`*${'abcdefghi'[k]}`).join(', ')}]`)].join('\n');
    expect(issuesOf(bomb)).toEqual([': YAML line 4, column 8: aliases (*a and 80 more) are not allowed in a config; write the value out']);
    // An anchor alone names nothing, and the two parsers accept different anchor names: refused too.
    expect(issuesOf('name: &run first')).toEqual([': YAML line 3, column 12: anchors (&run) are not allowed in a config; write the value out']);
    // The parsers count document end markers differently (found by the parity test): none allowed.
    expect(issuesOf('name: a\n...\n...')).toEqual([': YAML line 4, column 1: a document end marker (...) is not allowed in a config; a config is one document']);
  });

  it('refuses duplicate keys, foreign tags, a YAML 1.1 directive and characters the parsers read differently', () => {
    expect(issuesOf('name: a\nname: b')).toEqual([': YAML line 4, column 1: the key name is given twice']);
    expect(issuesOf('name: !!timestamp 2024-01-01')).toEqual([': YAML line 3, column 7: the tag !!timestamp is not allowed in a config (only !!str, !!int, !!float, !!bool, !!null)']);
    expect(issuesOf('lr: !!float 1')).toEqual([': YAML line 3, column 5: the value does not fit its tag !!float']);
    expect(parseConfigYaml('%YAML 1.1\n---\ntrain_path: t\nval_path: v\n')).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('configs are read as YAML 1.2') }] });
    expect(issuesOf('name:\trun')).toEqual([': YAML line 3, column 6: U+0009 (a tab) is not allowed in a config: indent and separate with spaces (in double quotes, write \\t)']);
    expect(issuesOf('name: a\rlr: 1')).toEqual([': YAML line 3, column 8: U+000D (a carriage return without a line feed) is not allowed in a config (in double quotes, write it as an escape)']);
    expect(issuesOf('name: a\u2028b')[0]).toContain('U+2028 (a Unicode line separator) is not allowed');
    expect(issuesOf('name: "\\ud800"')).toEqual([': YAML line 3, column 7: the escape \\ud800 names half of a surrogate pair; write the character itself, or its code point as \\U followed by eight hex digits']);
    expect(issuesOf('name: "a\\nb"')).toEqual(['name: contains U+000A (a line break); config text must be printable and on one line']);
    expect(issuesOf('name: "\\ud83d\\ude00"')[0]).toContain('the escape \\ud83d names half of a surrogate pair');
    expect(configOf('name: "\\U0001F600 ü"').name).toBe('😀 ü');
  });

  it('limits size, depth and node count, and answers quickly at each limit', () => {
    const { maxBytes, maxDepth, maxNodes } = CONFIG_YAML_LIMITS;
    const started = performance.now();
    expect(issuesOf(`name: ${'x'.repeat(maxBytes)}`)).toEqual([`: the config is over ${maxBytes} bytes (256 KiB); a run config is a few hundred`]);
    expect(issuesOf(`eval_thoughts: ${'['.repeat(maxBytes / 2 - 40)}`)[0]).toMatch(/nested over 16 levels deep/);
    expect(issuesOf(`eval_thoughts: ${'['.repeat(maxDepth)}${']'.repeat(maxDepth)}`)).toEqual([`: YAML line 3, column ${15 + maxDepth}: nested over ${maxDepth} levels deep; a run config nests two`]);
    // Many keys: the duplicate check is linear (the YAML library's own one compared every pair).
    const many = Array.from({ length: 15_000 }, (_, k) => `k${k}: ${k}`).join('\n');
    expect(issuesOf(many)).toEqual([`: the config has over ${maxNodes} keys and values; a run config has about fifty`]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('readConfigFile', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('reads UTF-8 and refuses other bytes or an oversized file with the file named', () => {
    const good = join(dir.path, 'good.yaml');
    writeFileSync(good, '\ufeffname: café\n');
    expect(parseConfigYaml(readConfigFile(good))).toMatchObject({ ok: false }); // the paths are missing, but the text read
    expect(readConfigFile(good)).toBe('name: café\n');
    const latin1 = join(dir.path, 'latin1.yaml');
    writeFileSync(latin1, Buffer.from('train_path: t\nname: caf\xe9\n', 'latin1'));
    expect(() => readConfigFile(latin1)).toThrow(`${latin1}: not UTF-8 text: byte 0xE9 on line 2 (byte 23 of the file) is not valid UTF-8; save the file as UTF-8`);
    const big = join(dir.path, 'big.yaml');
    writeFileSync(big, `name: ${'x'.repeat(CONFIG_YAML_LIMITS.maxBytes)}\n`);
    expect(() => readConfigFile(big)).toThrow(`${big} is over ${CONFIG_YAML_LIMITS.maxBytes} bytes`);
  });
});
