/**
 * One config truth: the workbench's check (`parseConfigYaml` + `semanticIssues`, what
 * `config.check` and `runs.create` run) and the engine's (`coconut_engine.config`, what training
 * runs) must give the same verdict on every YAML text, and when both accept it, the same values.
 * The configs are generated (fast-check): every key with valid, boundary and invalid values,
 * scalars that YAML 1.1 and 1.2 read differently, quoting and tag styles, nested and flow
 * mappings, and text the two parsers could split differently. The engine checks the whole batch
 * in one process (`python -m coconut_engine.config`), so a run takes seconds.
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_BOUNDS, CONFIG_YAML_LIMITS, METHOD_FLAGS, RunConfigSchema, type RunConfig } from '../../common/config.js';
import { CONFIG_RULES } from '../../common/configRules.js';
import type { JsonSchemaNode } from '../../common/configMessages.js';
import { enginePython } from '../engine/paths.js';
import { runProcess } from '../testing/cli.js';
import { configToYaml, parseConfigYaml, semanticIssues } from './configText.js';

type EngineVerdict = { ok: true; config: Record<string, unknown>; method: string } | { ok: false; error?: string; where?: string | null; crash?: string };
type WorkbenchVerdict = { ok: true; config: RunConfig } | { ok: false; problems: string[] };

/** The engine's verdicts on `texts`, in order, from one Python process. */
async function engineVerdicts(texts: string[]): Promise<EngineVerdict[]> {
  const result = await runProcess(enginePython(), ['-m', 'coconut_engine.config'], { input: JSON.stringify(texts) });
  if (result.code !== 0) throw new Error(`the engine's config check failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as EngineVerdict[];
}

function workbenchVerdict(text: string): WorkbenchVerdict {
  const parsed = parseConfigYaml(text);
  if (!parsed.ok) return { ok: false, problems: parsed.issues.map((issue) => `${issue.path}: ${issue.message}`) };
  const issues = semanticIssues(parsed.config);
  return issues.length > 0 ? { ok: false, problems: issues.map((issue) => `${issue.path}: ${issue.message}`) } : { ok: true, config: parsed.config };
}

/** What went differently for one text, or null when the two checks agree. */
function disagreement(text: string, workbench: WorkbenchVerdict, engine: EngineVerdict): string | null {
  const shown = `--- text ---\n${text}\n--- as JSON ---\n${JSON.stringify(text)}\n--- workbench ---\n${JSON.stringify(workbench)}\n--- engine ---\n${JSON.stringify(engine)}`;
  if (!engine.ok && engine.crash) return `the engine crashed instead of refusing:\n${shown}`;
  if (workbench.ok !== engine.ok) return `verdicts differ:\n${shown}`;
  if (workbench.ok && engine.ok && !sameData(JSON.parse(JSON.stringify(workbench.config)), engine.config)) return `resolved values differ:\n${shown}`;
  return null;
}

/** Equal as data: numbers by value (the engine's 1.0 and -0.0 are the workbench's 1 and 0), key order ignored. */
function sameData(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameData(item, b[index]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
  }
  return a === b;
}

/**
 * Every text checked on both sides; for each text the workbench accepts, the YAML it writes for
 * the engine (`configToYaml`, the run's config.yaml) is checked too and must mean the same config.
 */
async function compareAll(texts: string[]): Promise<{ problems: string[]; accepted: number }> {
  const ours = texts.map(workbenchVerdict);
  const written = ours.flatMap((verdict) => (verdict.ok ? [configToYaml(verdict.config)] : []));
  const theirs = await engineVerdicts([...texts, ...written]);
  const problems: string[] = [];
  texts.forEach((text, index) => {
    const problem = disagreement(text, ours[index]!, theirs[index]!);
    if (problem) problems.push(problem);
  });
  let next = texts.length;
  for (const verdict of ours) {
    if (!verdict.ok) continue;
    const yaml = written[next - texts.length]!;
    const problem = disagreement(yaml, verdict, theirs[next]!);
    if (problem) problems.push(`the written config.yaml reads differently in the engine: ${problem}`);
    next++;
  }
  return { problems, accepted: written.length };
}

// ---- generators --------------------------------------------------------------------------------

/** Plain scalars that YAML 1.1 (PyYAML's own rules) and YAML 1.2 resolve differently, or that look like numbers. */
const AMBIGUOUS_SCALARS = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'NO', 'On', 'OFF', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'tRUE',
  '~', 'null', 'Null', 'NULL', 'None', 'none', '',
  '12:30', '1:20:30', '190:20:30.15', '2024-01-01', '2001-12-14t21:59:43.10-05:00', '2002-12-14',
  '0.0000005', '5e-7', '5E-7', '1e-4', '1e4', '1E5', '1e+3', '1.0e-5', '.5', '-.5', '+.5', '5.', '1.', '-1.5e-3',
  '0o17', '0o8', '017', '09', '0x1F', '0X1F', '+0x1F', '-0x1F', '0b101', '1_000', '1,000', '+3', '-0', '007', '3.14', '1.0', '2.0',
  '1e400', '-1e400', '.inf', '-.inf', '+.INF', '.Inf', '.nan', '.NaN', '.NAN', 'nan', 'inf', 'Infinity', 'NaN',
  '=', '<<', '!', 'per_epoch', 'current', 'cuda', 'gpu', 'ddp', 'fsdp', 'bf16',
];

/** A number written several ways YAML allows (and some it reads as text). */
const numberSpellings = (n: number): string[] => {
  const spellings = [String(n), `${n}.0`, n.toExponential(), `+${n}`];
  if (Number.isInteger(n) && n >= 0 && n < 2 ** 31) spellings.push(`0x${n.toString(16)}`, `0o${n.toString(8)}`, `"${n}"`, `!!float "${n}"`, `!!int "${n}"`);
  return spellings;
};

/** Numbers around each bound of the schema (the bounds come from the same table the schema does). */
const BOUND_VALUES = [
  0, 1, -1, 2, 3, 4, 6, 8, 32, 33, 64, 65, 0.5, 1.5, 1e-4, 0.0000005, 1e9, 1e100,
  ...Object.values(CONFIG_BOUNDS).flatMap((bound) => [bound, bound + 1, bound - 1]),
];

const scalarText = fc.oneof(
  fc.constantFrom(...AMBIGUOUS_SCALARS),
  fc.constantFrom(...BOUND_VALUES).chain((n) => fc.constantFrom(...numberSpellings(n))),
  fc.integer({ min: -5, max: 70 }).map(String),
  fc.double({ noNaN: false }).map((n) => (Number.isFinite(n) ? String(n) : Number.isNaN(n) ? '.nan' : n > 0 ? '.inf' : '-.inf')),
  // Quoted: always text, whatever it spells.
  fc.constantFrom(...AMBIGUOUS_SCALARS).map((text) => JSON.stringify(text)),
  fc.constantFrom(...AMBIGUOUS_SCALARS).map((text) => `'${text}'`),
  fc.constantFrom('!!str 5', '!!str yes', '!!int "012"', '!!int 1.5', '!!float 1', '!!float "1e-4"', '!!bool yes', '!!bool "true"', '!!null ""', '!!binary aGk=', '!!timestamp 2024-01-01', '!custom x', '! 12', '!!set {a}'),
  // Text of any kind, in double quotes with JSON's escapes (YAML's too): controls, surrogates, line separators.
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => JSON.stringify(text)),
  fc.string({ unit: fc.constantFrom('\u2028', '\u0085', '\ufeff', '\t', '\u00e9', '\ud83d\ude00', '\ud800', 'a', ' ', '#', ':', '-', '%', '@', '`', '"', "'", '\\', '[', '{', '&', '*', '!', '|', '>'), maxLength: 6 }),
);

/** Values for the list and mapping keys, in flow style. */
const collectionText = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: -2, max: 40 }).map(String), fc.constantFrom('1.0', 'yes', '"1"', '.nan', 'null', '[1]')), { maxLength: 5 }).map((items) => `[${items.join(', ')}]`),
  fc.constantFrom('[0, 1, 2]', '[1, 1]', '[1, 1.0]', '[32]', '[33]', '[]', '{}', '[0, 2, 1]', `[${Array.from({ length: 34 }, (_, k) => k).join(', ')}]`),
  fc.record(
    { n_layer: scalarText, n_embd: scalarText, n_head: scalarText, n_positions: scalarText, n_layers: scalarText },
    { requiredKeys: [] },
  ).map((model) => `{${Object.entries(model).map(([key, value]) => `${key}: ${value}`).join(', ')}}`),
  fc.constantFrom('{n_embd: 1e9}', '{n_embd: 128, n_head: 3}', '{n_layer: 2.0, n_embd: 64.0}', '{n_positions: 0o400}'),
);

const CONFIG_KEYS = [
  'project', 'save_path', 'name', 'only_eval', 'coconut', 'cot', 'no_thoughts', 'no_cot', 'c_thought', 'epochs_per_stage',
  'max_latent_stage', 'pad_latent_to_max', 'save_only_improve', 'uniform_prob', 'special_token', 'local', 'local_path',
  'model_id', 'load_model_path', 'seed', 'resume', 'bf16', 'reset_optimizer', 'batch_size_training', 'debug',
  'gradient_accumulation_steps', 'num_epochs', 'lr', 'weight_decay', 'pause_token', 'curriculum', 'device', 'processes',
  'offline_model', 'eval_batch_size', 'max_new_tokens', 'max_val_samples', 'num_threads', 'precision', 'compile', 'workers',
  'eval_stage', 'distributed', 'eval_thoughts', 'icot', 'icot_tokens_per_epoch', 'icot_smoothing', 'frontier_supervision',
  'frontier_thought_labels', 'lr_schedule', 'warmup_steps',
  // Not keys: unknown, misspelt, and odd spellings of keys.
  'num_epoch', 'learning_rate', 'Name', '"lr"', 'yes', '1', 'null', '? lr',
] as const;

/** The JSON Schema node of each config key: where the valid values and the bounds come from. */
const KEY_SCHEMAS = (z.toJSONSchema(RunConfigSchema, { io: 'input' }) as JsonSchemaNode).properties ?? {};

/** A number's spellings, as text. */
const spelled = (n: number): fc.Arbitrary<string> => fc.constantFrom(...numberSpellings(n));

/** A YAML spelling of a value the key's schema node accepts (the semantic rules may still refuse it). */
function validValue(node: JsonSchemaNode): fc.Arbitrary<string> {
  if (node.anyOf) return fc.oneof(...node.anyOf.map(validValue));
  if (node.const !== undefined) return fc.constant(String(node.const));
  if (node.enum) return fc.constantFrom(...node.enum.map(String));
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'boolean':
      return fc.constantFrom('true', 'false', 'True', 'FALSE');
    case 'null':
      return fc.constantFrom('null', '~', '');
    case 'integer': {
      const low = node.exclusiveMinimum !== undefined ? node.exclusiveMinimum + 1 : (node.minimum ?? -1000);
      const high = node.maximum ?? low + 1000;
      return fc.oneof(fc.integer({ min: low, max: Math.min(high, low + 70) }), fc.constantFrom(low, high)).chain(spelled);
    }
    case 'number': {
      const high = node.maximum ?? 1;
      return fc.oneof(fc.double({ min: 1e-9, max: high, noNaN: true }), fc.constantFrom(high, 1e-4, 0.5)).chain(spelled);
    }
    case 'string':
      return fc.constantFrom('run', 'my-run', 'data/train.json', '"quoted: text"', "'single'", 'ü名前', 'a b', 'None');
    case 'array':
      return fc.uniqueArray(fc.integer({ min: 0, max: node.items?.maximum ?? 5 }), { minLength: 1, maxLength: 4 }).map((items) => `[${items.join(', ')}]`);
    case 'object': {
      const inner = Object.entries(node.properties ?? {});
      return fc.tuple(...inner.map(([key, child]) => validValue(child).map((value) => `${key}: ${value}`))).map((pairs) => `{${pairs.join(', ')}}`);
    }
    default:
      return scalarText;
  }
}

/** The numbers at a key's bounds, just inside and just outside. */
function boundaryValue(node: JsonSchemaNode): fc.Arbitrary<string> | null {
  const numeric = [node, ...(node.anyOf ?? [])].find((option) => option.type === 'integer' || option.type === 'number');
  if (!numeric) return null;
  const bounds = [numeric.minimum, numeric.exclusiveMinimum, numeric.maximum].filter((bound): bound is number => bound !== undefined);
  return fc.constantFrom(...bounds.flatMap((bound) => [bound - 1, bound, bound + 1, bound + 0.5])).chain(spelled);
}

/** Scalars that YAML 1.1 would read as another type than YAML 1.2, for a key of the schema node's type. */
function lookAlike(node: JsonSchemaNode): fc.Arbitrary<string> {
  const types = new Set([node, ...(node.anyOf ?? [])].flatMap((option) => option.type ?? []));
  const spellings = ['yes', 'no', 'on', 'off', 'y', 'n', 'Off', '12:30', '2024-01-01', '1_000', '017', '0o17', '0b11', '1e3', '5e-7', '.5', '~', ''];
  if (types.has('boolean')) spellings.push('YES', 'No', 'ON', 'true', 'False');
  if (types.has('string')) spellings.push('None', 'null', '"yes"', "'12:30'", '!!str 1e3');
  return fc.constantFrom(...spellings);
}

/** A key's value: often valid for the key (so that many configs pass), often at a bound, often anything. */
const valueFor = (key: string): fc.Arbitrary<string> => {
  const node = KEY_SCHEMAS[key.replace(/^"|"$/g, '')];
  const extra = key === 'offline_model' ? [fc.constantFrom('\n  n_layer: 3\n  n_embd: 64', '\n  n_embd: 1e9', '\n  n_head: yes')] : key === 'eval_thoughts' ? [fc.constant('\n  - 0\n  - 2')] : [];
  const boundary = node ? boundaryValue(node) : null;
  return fc.oneof(
    { weight: 2, arbitrary: scalarText },
    { weight: 1, arbitrary: collectionText },
    ...(node ? [{ weight: 10, arbitrary: validValue(node) }, { weight: 2, arbitrary: lookAlike(node) }] : []),
    ...(boundary ? [{ weight: 2, arbitrary: boundary }] : []),
    ...extra.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
};

/** Pieces of YAML syntax, for lines the two parsers must refuse (or read) alike. */
const SYNTAX_PIECES = [
  ': ', '- ', '? ', '[', ']', '{', '}', ', ', '#', ' #', '&a ', '*a', '!!str ', '! ', '|', '|-', '>', '>+', "'", '"', "''", '\\"',
  '\n', '\n  ', '\n    ', ' ', 'a', 'lr', '1', '.', '%', '@', '`', '\r\n', '\\', '---', '...', '\t', '\u2028', 'é',
];
const syntaxLine = fc.array(fc.constantFrom(...SYNTAX_PIECES), { minLength: 1, maxLength: 10 }).map((pieces) => pieces.join(''));

/** One `key: value` line, in one of the layouts YAML allows. */
const entry = fc
  .tuple(
    fc.constantFrom(...CONFIG_KEYS).chain((key) => valueFor(key).map((value) => [key, value] as const)),
    fc.constantFrom('plain', 'plain', 'plain', 'plain', 'comment', 'explicit', 'literal', 'folded', 'anchor', 'spaced'),
  )
  .map(([[key, value], layout]) => {
    switch (layout) {
      case 'comment':
        return `${key}: ${value} # note`;
      case 'explicit':
        return `? ${key}\n: ${value}`;
      case 'literal':
        return `${key}: |-\n  ${value}`;
      case 'folded':
        return `${key}: >\n  ${value}\n  more`;
      case 'anchor':
        return `${key}: &anchor_${key.replace(/\W/g, '')} ${value}`;
      case 'spaced':
        return `${key}  :   ${value}   `;
      default:
        return `${key}: ${value}`;
    }
  });

/** A whole config text: the required paths (usually), some keys, and document decorations. */
const configText = fc
  .record({
    entries: fc.array(fc.oneof({ weight: 10, arbitrary: entry }, { weight: 1, arbitrary: syntaxLine }), { maxLength: 5 }),
    // A config that checks out needs only_eval's checkpoint sometimes, and sensible method flags.
    base: fc.constantFrom(
      'train_path: train.json\nval_path: val.json\n',
      'train_path: train.json\nval_path: val.json\ncoconut: true\n',
      'train_path: train.json\nval_path: val.json\nonly_eval: true\nload_model_path: best.pt\n',
      '{train_path: train.json, val_path: val.json}\n',
      'val_path: val.json\n',
    ),
    start: fc.constantFrom('', '', '', '', '', '---\n', '\ufeff', '# a comment\n', '%YAML 1.2\n---\n', '%YAML 1.1\n---\n', '%TAG !e! tag:example.com,2000:\n---\n'),
    end: fc.constantFrom('', '', '', '', '...\n', '# end\n', '\n\n', '---\n'),
    crlf: fc.boolean(),
  })
  .map(({ entries, base, start, end, crlf }) => {
    const text = `${start}${base}${entries.join('\n')}\n${end}`;
    return crlf ? text.replace(/\r?\n/g, '\r\n') : text;
  });

// ---- the tests ---------------------------------------------------------------------------------

/**
 * A fixed seed by default, so that a test run (CI) is repeatable; `CONFIG_PARITY_SEED=random`
 * explores new configs (with CONFIG_PARITY_RUNS raised), printing its seed when it finds a disagreement.
 */
const SEED_SETTING = process.env.CONFIG_PARITY_SEED ?? '20261202';
const SEED = SEED_SETTING === 'random' ? Date.now() % 2 ** 31 : Number(SEED_SETTING);
/** Configs per run; raise it (CONFIG_PARITY_RUNS=20000) to search longer. */
const RUNS = Number(process.env.CONFIG_PARITY_RUNS ?? 1500);
const engineReady = existsSync(enginePython());

describe.skipIf(!engineReady)('the workbench and the engine agree on every config (engine venv present)', () => {
  it('on the cases of issue 11, each with the verdict it should have', async () => {
    const cases: [string, boolean][] = [
      ['name: no', true],
      ['name: 12:30', true],
      ['name: 2024-01-01', true],
      ['lr: 0.0000005', true],
      ['lr: 1e-4', true],
      ['coconut: yes', false],
      ['coconut: on', false],
      ['debug: off', false],
      ['coconut: True', true],
      ['offline_model: {n_embd: 1000000000}', false],
      ['workers: 100000', false],
      ['max_latent_stage: 1000', false],
      ['lr: .nan', false],
      ['lr: .inf', false],
      ['weight_decay: -.inf', false],
      ['num_epochs: 5.0', true],
      ['seed: -1', false],
      ['name: "\\ud800"', false],
      ['name: "a\\tb"', false],
      ['a: &a [1, 2]\nb: *a', false],
      ['name: run\nname: again', false],
      ['name: !!binary aGk=', false],
    ];
    const texts = cases.map(([line]) => `train_path: t.json\nval_path: v.json\n${line}\n`);
    const { problems } = await compareAll(texts);
    expect(problems).toEqual([]);
    expect(texts.map((text) => workbenchVerdict(text).ok)).toEqual(cases.map(([, ok]) => ok));
  });

  it('on corners of YAML syntax where parsers are known to part', async () => {
    const lines = [
      'name: "\\x41\\u0041\\U00000041"', 'name: "\\e"', 'name: "\\N"', 'name: "\\_"', 'name: "\\L"', 'name: "\\P"', 'name: "\\/"', 'name: "\\z"',
      'name: "\\ "', "name: 'it''s'", 'name: >-\n  folded\n  text', 'name: |\n  line', 'name: a\n  b', 'name: # a comment', '? name\n: run',
      'name: [a, b]: c', 'name: a: b', `${'x'.repeat(1100)}: 1`, `name: "${'x'.repeat(2000)}"`, 'name: !!str', 'name:\n- a', '--- name: x',
      'name: x #c', 'name: x#c', 'name: -', 'name: ?', 'name: :x', 'name: a:b', 'name: "a\n  b"', "name: 'a\n\n  b'", 'name: &a x',
      'name: !!str &a x', 'name: &a !!str x', 'lr: 1e-4 # c', 'lr: 0x10', 'num_epochs: 0o12', 'name: "\\t"', '"name": run', "'name': run",
      'name : run', 'name: run\r\nlr: 0.5', 'name: run\rlr: 0.5', 'name: "a\r\n b"', 'name: ,x', 'name: x,', 'name: [x', 'name: {a: 1',
      'name: "x" y', 'name: !<tag:yaml.org,2002:str> x', 'name: !!python/name:os.system', 'offline_model: !!map {n_layer: 3}',
      'offline_model: {? n_layer : 3}', 'eval_thoughts: !!seq [1]', 'eval_thoughts: [1, [2]]', 'name: |+\n  x\n\n', 'name: >2\n   x',
      'name: x\n...\n---\nlr: 1', 'name: 😀', 'name: "\\ud83d\\ude00"', 'name: "\\ud83d"', 'name: \ufeffx', 'name: x\u00a0y',
      'name: "\\U00110000"', 'name: "\\U0001F600"', 'name: "\\\\ud83d"', 'name: \\ud83d', 'name: "\\U0000D83D\\U0000DE00"',
    ];
    const texts = lines.flatMap((line) => [`train_path: t.json\nval_path: v.json\n${line}\n`, `${line}\ntrain_path: t.json\nval_path: v.json\n`]);
    texts.push('', '# only a comment\n', '---\n', '...\n', '[]', '"text"', 'train_path: t\nval_path: v', '{train_path: t, val_path: v}');
    expect((await compareAll(texts)).problems).toEqual([]);
  });

  it('on every rule between keys (src/common/configRules.ts), broken and kept, naming the same key', async () => {
    // [extra lines, the key a broken rule names, or null when the config is valid]
    const cases: [string, string | null][] = [
      ['precision: fp32\nbf16: true', 'precision'],
      ['precision: fp32\nbf16: false', null],
      ['distributed: fsdp\nprocesses: 1', 'distributed'],
      ['distributed: fsdp\nprocesses: 2', null],
      ['local: true', 'local_path'],
      ['local: true\nlocal_path: /models/gpt2', null],
      ['offline_model: {n_embd: 30, n_head: 4}', 'offline_model.n_head'],
      ['offline_model: {n_embd: 32, n_head: 4}', null],
      ['only_eval: true', 'load_model_path'],
      ['only_eval: true\nload_model_path: None', 'load_model_path'],
      ['eval_thoughts: [1]', 'eval_thoughts'],
      ['eval_thoughts: [1]\nonly_eval: true\nload_model_path: b.pt\neval_stage: 2', 'eval_thoughts'],
      ['eval_thoughts: [1]\nonly_eval: true\nload_model_path: b.pt', null],
      ['resume: 3\nnum_epochs: 3', 'resume'],
      ['resume: 7\nnum_epochs: 3', 'resume'],
      ['resume: 2\nnum_epochs: 3', null],
      ['resume: 3\nnum_epochs: 3\nonly_eval: true\nload_model_path: b.pt', null],
      ['eval_thoughts: [1]\nonly_eval: true\nload_model_path: b.pt\ncot: true', 'eval_thoughts'],
      ['frontier_supervision: true', null],
      ['frontier_supervision: true\ncurriculum: false', 'frontier_supervision'],
      ['frontier_supervision: true\nno_cot: true', 'frontier_supervision'],
      ['frontier_thought_labels: true', 'frontier_thought_labels'],
      ['frontier_thought_labels: true\nfrontier_supervision: true', null],
    ];
    // Coconut unless the case sets a method flag of its own.
    const method = (lines: string) => (METHOD_FLAGS.some((flag) => lines.includes(`${flag}:`)) ? '' : 'coconut: true\n');
    const texts = cases.map(([lines]) => `train_path: t.json\nval_path: v.json\n${method(lines)}${lines}\n`);
    expect((await compareAll(texts)).problems).toEqual([]);
    const engine = await engineVerdicts(texts);
    cases.forEach(([lines, path], index) => {
      const ours = workbenchVerdict(texts[index]!);
      const theirs = engine[index]!;
      expect(ours.ok ? null : ours.problems.map((problem) => problem.split(':')[0]), lines).toEqual(path === null ? null : [path]);
      expect(theirs.ok ? null : theirs.where, lines).toBe(path);
    });
    // A rule added to the table needs a case here.
    expect(new Set(cases.flatMap(([, path]) => (path === null ? [] : [path])))).toEqual(new Set(CONFIG_RULES.map((rule) => rule.path)));
  });

  it('on generated configs, valid and not, with the same values when valid', async () => {
    const texts = fc.sample(configText, { numRuns: RUNS, seed: SEED });
    const { problems, accepted } = await compareAll(texts);
    expect(problems.slice(0, 3), `seed ${SEED} (rerun with CONFIG_PARITY_SEED=${SEED}); ${problems.length} disagreements`).toEqual([]);
    // The generator must reach both verdicts often, or the agreement says little.
    expect(accepted).toBeGreaterThan(texts.length / 10);
    expect(accepted).toBeLessThan(texts.length * 0.9);
  });

  it('on texts at and over the YAML limits, quickly', async () => {
    const { maxBytes, maxDepth, maxNodes } = CONFIG_YAML_LIMITS;
    const head = 'train_path: t.json\nval_path: v.json\n';
    const texts = [
      `${head}name: ${'x'.repeat(maxBytes)}\n`,
      `${head}name: ${'é'.repeat(maxBytes / 2)}\n`,
      `${head}${Array.from({ length: maxNodes }, (_, k) => `k${k}: ${k}`).join('\n')}\n`,
      `${head}eval_thoughts: ${'['.repeat(maxDepth)}${']'.repeat(maxDepth)}\n`,
      `${head}eval_thoughts: ${'['.repeat(maxDepth - 2)}1${']'.repeat(maxDepth - 2)}\n`,
      `${head}eval_thoughts: ${'['.repeat(maxBytes / 4)}\n`,
      `${head}eval_thoughts:\n${'- '.repeat(maxDepth + 2)}1\n`,
      `${head}${Array.from({ length: 400 }, (_, depth) => `${' '.repeat(depth)}k${depth}:`).join('\n')} 1\n`,
      `${head}a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n`,
    ];
    const started = performance.now();
    const { problems } = await compareAll(texts);
    expect(problems).toEqual([]);
    expect(texts.map((text) => workbenchVerdict(text).ok)).toEqual(texts.map(() => false));
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
