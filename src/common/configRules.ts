/**
 * Rules between config keys that a JSON Schema cannot state (one key's value makes another's
 * wrong), as one table that both languages read: the workbench's check (`semanticIssues` in
 * src/node/runs/configText.ts) and the engine's (`_check_semantics` in coconut_engine/config.py,
 * from `schemas/config.rules.json`, which `npm run schemas` writes from this table). A rule added
 * here is checked on both sides; configParity.test.ts holds them to the same verdicts.
 *
 * A clause may also ask what the config's method does (`methodLacks`, read from the methods
 * table); a message's `{method}` is the method's name. Which flags select a method, and the
 * contradictions between them, stay with `methodOf` and the method flags.
 */
import { METHOD_NAMES, METHODS, type MethodName } from './methods.js';

type Scalar = string | number | boolean | null;

/** Method properties a rule can ask about (src/common/methods.ts). */
type MethodProperty = 'markers' | 'feedback';

/** The methods with thought markers, as a message names them. */
const MARKER_METHODS = METHOD_NAMES.filter((name) => METHODS[name].markers).join(' or ');

/** One condition on a key (dotted for nested keys: `offline_model.n_head`). */
export type ConfigClause =
  | { key: string; is: Scalar }
  | { key: string; isNot: Scalar }
  /** The key's number is at least the other key's. */
  | { key: string; atLeastKey: string }
  /** The key's number is not a whole multiple of the other key's. */
  | { key: string; notMultipleOfKey: string }
  /** The config's method does not have this property. */
  | { methodLacks: MethodProperty };

export interface ConfigRule {
  /** The key the problem is reported at. */
  path: string;
  /** The rule is broken when every clause holds. */
  when: ConfigClause[];
  /** What is wrong, in the words of an issue at `path`; `{key}` is replaced by that key's value. */
  message: string;
}

/**
 * In order: a key is reported once, by the first of its rules that is broken (the engine stops at
 * the first broken rule of all).
 */
export const CONFIG_RULES: readonly ConfigRule[] = [
  {
    path: 'eval_thoughts',
    when: [{ key: 'eval_thoughts', isNot: null }, { key: 'only_eval', is: true }, { methodLacks: 'markers' }],
    message: `needs continuous thoughts, but method {method} has no thought markers (use it with ${MARKER_METHODS})`,
  },
  {
    path: 'frontier_supervision',
    when: [{ key: 'frontier_supervision', is: true }, { methodLacks: 'markers' }],
    message: `trains what continuous thoughts hold, but method {method} has no thoughts (use it with ${MARKER_METHODS})`,
  },
  {
    path: 'frontier_supervision',
    when: [{ key: 'frontier_supervision', is: true }, { key: 'curriculum', is: false }],
    message: "supervises the curriculum's stages, but curriculum: false trains only the final stage, where the target is the answer; drop one",
  },
  {
    path: 'frontier_thought_labels',
    when: [{ key: 'frontier_thought_labels', is: true }, { key: 'frontier_supervision', is: false }],
    message: 'labels the thoughts with the frontier nodes of frontier supervision; set frontier_supervision: true as well',
  },
  {
    path: 'precision',
    when: [{ key: 'precision', is: 'fp32' }, { key: 'bf16', is: true }],
    message: 'fp32 contradicts bf16: true; drop one',
  },
  {
    path: 'distributed',
    when: [{ key: 'distributed', is: 'fsdp' }, { key: 'processes', is: 1 }],
    message: 'fsdp shards the model over several processes; set processes above 1',
  },
  {
    path: 'local_path',
    when: [{ key: 'local', is: true }, { key: 'local_path', is: null }],
    message: 'local is true: give the folder of a saved model',
  },
  {
    path: 'offline_model.n_head',
    when: [{ key: 'offline_model.n_embd', notMultipleOfKey: 'offline_model.n_head' }],
    message: 'must divide offline_model.n_embd: {offline_model.n_embd} is not divisible by {offline_model.n_head}',
  },
  {
    path: 'load_model_path',
    when: [{ key: 'only_eval', is: true }, { key: 'load_model_path', is: null }],
    message: 'only_eval needs a checkpoint to evaluate',
  },
  {
    path: 'eval_thoughts',
    when: [{ key: 'eval_thoughts', isNot: null }, { key: 'only_eval', is: false }],
    message: 'forces thought counts when evaluating a checkpoint: set only_eval',
  },
  {
    path: 'eval_thoughts',
    when: [{ key: 'eval_thoughts', isNot: null }, { key: 'eval_stage', isNot: 'current' }],
    message: 'eval_stage also fixes the thought count at evaluation; drop one',
  },
  {
    path: 'resume',
    when: [{ key: 'only_eval', is: false }, { key: 'resume', atLeastKey: 'num_epochs' }],
    message: 'skipping {resume} epochs leaves nothing to train (num_epochs is {num_epochs})',
  },
];

function valueAt(config: object, key: string): unknown {
  return key.split('.').reduce<unknown>((value, part) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined), config);
}

function holds(config: object, method: MethodName, clause: ConfigClause): boolean {
  if ('methodLacks' in clause) return !METHODS[method][clause.methodLacks];
  const value = valueAt(config, clause.key);
  if ('is' in clause) return value === clause.is;
  if ('isNot' in clause) return value !== clause.isNot;
  const other = valueAt(config, 'atLeastKey' in clause ? clause.atLeastKey : clause.notMultipleOfKey);
  if (typeof value !== 'number' || typeof other !== 'number') return false;
  return 'atLeastKey' in clause ? value >= other : value % other !== 0;
}

/**
 * The broken rules of a config whose keys and types are valid, `method` the one its flags select:
 * at most one issue per key, in table order.
 */
export function brokenConfigRules(config: object, method: MethodName): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  for (const rule of CONFIG_RULES) {
    if (issues.some((issue) => issue.path === rule.path) || !rule.when.every((clause) => holds(config, method, clause))) continue;
    const message = rule.message.replace(/\{([\w.]+)\}/g, (_, key: string) => (key === 'method' ? method : String(valueAt(config, key))));
    issues.push({ path: rule.path, message });
  }
  return issues;
}
