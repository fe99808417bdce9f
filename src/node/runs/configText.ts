/** Parsing, checking and path resolution of run configs given as YAML text. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, parseDocument, stringify } from 'yaml';
import type { ConfigCheck, Issue } from '../../common/api.js';
import { METHOD_FLAGS, methodOf, type MethodName, type RunConfig } from '../../common/config.js';
import { parseRunConfig } from '../../common/configMessages.js';

export type ConfigParse = { ok: true; config: RunConfig } | { ok: false; issues: Issue[] };

/**
 * YAML text → a config with every default filled in, or the issues keyed by config path.
 * The reference writes `load_model_path: None`; that string means "no checkpoint".
 */
export function parseConfigYaml(text: string): ConfigParse {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => ({
        path: '',
        message: `YAML line ${error.linePos?.[0]?.line ?? '?'}: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  if (!isMap(document.contents)) {
    return { ok: false, issues: [{ path: '', message: 'a config must be a YAML mapping of keys to values' }] };
  }
  const raw = document.toJS() as Record<string, unknown>;
  if (raw.load_model_path === 'None') raw.load_model_path = null;
  return parseRunConfig(raw);
}

/** Checks the engine would also make, made early so the form can point at the field. */
export function semanticIssues(config: RunConfig): Issue[] {
  const issues: Issue[] = [];
  const flags = METHOD_FLAGS.filter((flag) => config[flag]);
  if (flags.length > 1) {
    for (const flag of flags) {
      issues.push({ path: flag, message: `choose one method: ${flags.join(' and ')} are both set` });
    }
  }
  if (config.special_token && flags.length > 0) {
    issues.push({ path: 'special_token', message: `marks a pause-as-thought run; it cannot be combined with ${flags.join(', ')}` });
  }
  if (config.local && config.local_path === null) {
    issues.push({ path: 'local_path', message: 'local is true: give the folder of a saved model' });
  }
  if (config.offline_model.n_embd % config.offline_model.n_head !== 0) {
    issues.push({ path: 'offline_model.n_head', message: 'must divide offline_model.n_embd' });
  }
  if (config.only_eval && config.load_model_path === null) {
    issues.push({ path: 'load_model_path', message: 'only_eval needs a checkpoint to evaluate' });
  }
  if (config.precision === 'fp32' && config.bf16) {
    issues.push({ path: 'precision', message: "fp32 contradicts bf16: true; drop one" });
  }
  if (config.distributed === 'fsdp' && config.processes === 1) {
    issues.push({ path: 'distributed', message: 'fsdp shards the model over several processes; set processes above 1' });
  }
  if (config.eval_thoughts !== null) {
    const method = methodOf(config);
    if (!config.only_eval) {
      issues.push({ path: 'eval_thoughts', message: 'forces thought counts when evaluating a checkpoint: set only_eval' });
    } else if (method !== 'coconut' && method !== 'pause_as_thought') {
      issues.push({ path: 'eval_thoughts', message: `needs continuous thoughts, but method ${method} has no thought markers` });
    } else if (config.eval_stage !== 'current') {
      issues.push({ path: 'eval_thoughts', message: 'eval_stage also fixes the thought count at evaluation; drop one' });
    }
  }
  if (!config.only_eval && config.resume >= config.num_epochs) {
    issues.push({ path: 'resume', message: `skipping ${config.resume} epochs leaves nothing to train (num_epochs is ${config.num_epochs})` });
  }
  return issues;
}

/** Methods whose training samples follow a stage that grows with the epoch. */
const CURRICULUM_METHODS: ReadonlySet<MethodName> = new Set(['coconut', 'pause_as_thought', 'no_thoughts', 'icot']);

/** The curriculum stage the engine trains at in `epoch` (its `stage_of_epoch`, before iCoT's cap by the data). */
function stageOfEpoch(config: RunConfig, method: MethodName, epoch: number): number {
  if (method === 'icot') return epoch;
  if (!config.curriculum) return config.max_latent_stage + 1;
  return Math.min(Math.floor(epoch / config.epochs_per_stage), config.max_latent_stage + 1);
}

/** Why `uniform_prob` changes nothing for a method (its samples do not depend on the stage). */
const UNIFORM_PROB_IGNORED: Partial<Record<MethodName, string>> = {
  no_cot: 'no_cot drops every reasoning step at every stage',
  pause_token: 'pause_token drops every reasoning step and adds the same pause tokens at every stage',
  icot: 'iCoT removes reasoning tokens by its own schedule (icot_tokens_per_epoch, icot_smoothing)',
};

/**
 * What the engine accepts but a researcher almost certainly did not mean; never blocks a run.
 * Each rule states what the engine will do instead, so the warning can be checked against it.
 */
export function configWarnings(config: RunConfig): Issue[] {
  const warnings: Issue[] = [];
  const method = methodOf(config);
  if (config.resume > 0 && config.load_model_path === null && !config.only_eval) {
    const skipped = config.resume === 1 ? 'skips the first epoch' : `skips the first ${config.resume} epochs`;
    const start = CURRICULUM_METHODS.has(method)
      ? `training starts from the base model at stage ${stageOfEpoch(config, method, config.resume)} and ${skipped}`
      : `training starts from the base model and ${skipped}`;
    warnings.push({
      path: 'resume',
      message: `resume is ${config.resume} but load_model_path names no checkpoint: ${start}; set load_model_path to a checkpoint of the run you continue (e.g. its best.pt)`,
    });
  }
  const ignoredBecause = UNIFORM_PROB_IGNORED[method];
  if (config.uniform_prob > 0 && ignoredBecause) {
    warnings.push({ path: 'uniform_prob', message: `is ${config.uniform_prob} but has no effect: ${ignoredBecause}` });
  }
  const wantsBf16 = config.precision === 'bf16' || (config.precision === 'auto' && config.bf16);
  if (wantsBf16 && config.device === 'cpu') {
    warnings.push({
      path: config.precision === 'bf16' ? 'precision' : 'bf16',
      message: 'has no effect with device: cpu — bfloat16 autocast applies on CUDA GPUs only; the CPU trains in fp32',
    });
  }
  return warnings;
}

const PATH_KEYS = ['train_path', 'val_path', 'load_model_path'] as const;

/** Makes the config's file paths absolute against `baseDir` and reports the ones that do not exist. */
export function resolveConfigPaths(config: RunConfig, baseDir: string): { config: RunConfig; issues: Issue[] } {
  const resolved: RunConfig = { ...config };
  const issues: Issue[] = [];
  for (const key of PATH_KEYS) {
    const value = resolved[key];
    if (value === null) continue;
    const absolute = isAbsolute(value) ? value : resolve(baseDir, value);
    resolved[key] = absolute;
    if (!existsSync(absolute)) issues.push({ path: key, message: `file not found: ${absolute}` });
  }
  return { config: resolved, issues };
}

export function configToYaml(config: RunConfig): string {
  return stringify(config, { lineWidth: 0 });
}

/**
 * Parses, checks and resolves a config. Relative paths resolve against `baseDir`:
 * the workbench home for the UI (where datasets live), the working directory for the CLI.
 */
export function checkConfig(text: string, baseDir: string): ConfigCheck & { config: RunConfig | null } {
  const parsed = parseConfigYaml(text);
  if (!parsed.ok) return { ok: false, issues: parsed.issues, warnings: [], resolved_yaml: null, method: null, config: null };
  const { config, issues: pathIssues } = resolveConfigPaths(parsed.config, baseDir);
  const issues = [...semanticIssues(config), ...pathIssues];
  return {
    ok: issues.length === 0,
    issues,
    warnings: configWarnings(config),
    resolved_yaml: issues.length === 0 ? configToYaml(config) : null,
    method: methodOf(config),
    config: issues.length === 0 ? config : null,
  };
}
