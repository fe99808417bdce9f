/** Parsing, checking and path resolution of run configs given as YAML text. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, parseDocument, stringify } from 'yaml';
import type { ConfigCheck, Issue } from '../../common/api.js';
import { issuesFromZod } from '../../common/api.js';
import { METHOD_FLAGS, methodOf, RunConfigSchema, type RunConfig } from '../../common/config.js';

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
  const parsed = RunConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  return { ok: true, config: parsed.data };
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
  return issues;
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
  if (!parsed.ok) return { ok: false, issues: parsed.issues, resolved_yaml: null, method: null, config: null };
  const { config, issues: pathIssues } = resolveConfigPaths(parsed.config, baseDir);
  const issues = [...semanticIssues(config), ...pathIssues];
  return {
    ok: issues.length === 0,
    issues,
    resolved_yaml: issues.length === 0 ? configToYaml(config) : null,
    method: methodOf(config),
    config: issues.length === 0 ? config : null,
  };
}
