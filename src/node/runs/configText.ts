/** Parsing, checking and path resolution of run configs given as YAML text. */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigCheck, Issue } from '../../common/api.js';
import { CONFIG_YAML_LIMITS, METHOD_FLAGS, methodOf, type MethodName, type RunConfig } from '../../common/config.js';
import { parseRunConfig } from '../../common/configMessages.js';
import { readConfigYaml } from '../../common/configYaml.js';
import { METHODS, isStaged } from '../../common/methods.js';
import { brokenConfigRules } from '../../common/configRules.js';
import { decodeUtf8 } from '../datasets/records.js';

export type ConfigParse = { ok: true; config: RunConfig } | { ok: false; issues: Issue[] };

/**
 * YAML text → a config with every default filled in, or the issues keyed by config path.
 * The text is read by the engine's rules (YAML 1.2 core schema, size and alias limits; see
 * src/common/configYaml.ts). The reference writes `load_model_path: None`; that string means
 * "no checkpoint".
 */
export function parseConfigYaml(text: string): ConfigParse {
  const read = readConfigYaml(text);
  if (!read.ok) return read;
  const raw = read.value as Record<string, unknown>;
  if (raw.load_model_path === 'None') raw.load_model_path = null;
  return parseRunConfig(raw);
}

/**
 * A config file's text, as the engine reads it: at most the size limit (read no further), and
 * UTF-8 (`readFileSync(path, 'utf8')` would turn other bytes into U+FFFD and pass them on).
 * Throws an Error whose message names the file and, for bytes that are not UTF-8, the line.
 */
export function readConfigFile(path: string): string {
  const limit = CONFIG_YAML_LIMITS.maxBytes;
  const buffer = Buffer.alloc(limit + 1);
  let length = 0;
  const fd = openSync(path, 'r');
  try {
    for (let read = -1; read !== 0 && length <= limit; length += read) read = readSync(fd, buffer, length, limit + 1 - length, null);
  } finally {
    closeSync(fd);
  }
  if (length > limit) throw new Error(`${path} is over ${limit} bytes (256 KiB); a run config is a few hundred`);
  const decoded = decodeUtf8(buffer.subarray(0, length));
  if ('problem' in decoded) throw new Error(`${path}: ${decoded.problem}`);
  return decoded.text;
}

/**
 * Checks the engine also makes, made early so the form can point at the field: contradictory
 * method flags here, every other rule between keys from the table both sides read
 * (src/common/configRules.ts).
 */
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
  // The rules between keys, from the table the engine reads too; a key already reported keeps its first issue.
  for (const issue of brokenConfigRules(config, methodOf(config))) if (!issues.some((reported) => reported.path === issue.path)) issues.push(issue);
  return issues;
}

/** The curriculum stage the engine trains at in `epoch` (its `stage_of_epoch`, before iCoT's cap by the data). */
function stageOfEpoch(config: RunConfig, method: MethodName, epoch: number): number {
  if (METHODS[method].curriculum === 'icot') return epoch;
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
    const start = isStaged(method)
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

/** Core-schema plain scalars that are not text (null, booleans, numbers); a string spelling one is quoted. */
const NOT_TEXT_WHEN_PLAIN = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/,
];
/** Text that reads the same plain in every YAML parser: names, paths, model ids. */
const SAFE_PLAIN = /^[A-Za-z0-9_./](?:[A-Za-z0-9_./ -]*[A-Za-z0-9_./])?$/;

function scalarYaml(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  const text = String(value);
  const plain = SAFE_PLAIN.test(text) && !text.includes(' #') && !NOT_TEXT_WHEN_PLAIN.some((pattern) => pattern.test(text));
  // JSON's string escapes are YAML's double-quoted escapes (and config text holds no control characters).
  return plain ? text : JSON.stringify(text);
}

/**
 * A config as the YAML the engine reads (a run's config.yaml, `resolved_yaml`): one key a line,
 * in the schema's order. Written by hand rather than by the YAML library's stringifier, so that
 * every value is spelled in the narrow form both parsers read alike: safe text plain, other text
 * in double quotes, numbers as JavaScript prints them (1e-7 is a number in YAML 1.2).
 */
export function configToYaml(config: RunConfig): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (Array.isArray(value)) lines.push(`${key}: [${value.map(scalarYaml).join(', ')}]`);
    else if (typeof value === 'object' && value !== null) {
      lines.push(`${key}:`, ...Object.entries(value).map(([inner, item]) => `  ${inner}: ${scalarYaml(item)}`));
    } else lines.push(`${key}: ${scalarYaml(value)}`);
  }
  return `${lines.join('\n')}\n`;
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
