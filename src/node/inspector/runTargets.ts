/**
 * What a run offers the inspector: its checkpoints (`best.pt`, `epoch-N.pt`; `last` is the
 * latest epoch), where each one's bundle goes (`RUN/exports/<label>/`), and whether a bundle
 * there still matches its checkpoint (same path, size and modification time).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ApiError } from '../../common/api.js';
import type { BundleManifest, InspectTargets } from '../../common/inspector.js';
import { hasPauseTokens } from '../../common/methods.js';
import { RUN_FILES, type RunStore } from '../runs/runStore.js';
import { isBundleDir, readManifest } from './bundle.js';

export const EXPORTS_DIR = 'exports';

export interface CheckpointRef {
  label: string;
  file: string;
  epoch: number | null;
}

export function listCheckpoints(runDir: string): CheckpointRef[] {
  const dir = join(runDir, RUN_FILES.checkpoints);
  if (!existsSync(dir)) return [];
  const epochs = readdirSync(dir)
    .map((name) => ({ name, epoch: /^epoch-(\d+)\.pt$/.exec(name)?.[1] }))
    .filter((entry): entry is { name: string; epoch: string } => entry.epoch !== undefined)
    .map(({ name, epoch }) => ({ label: `epoch-${epoch}`, file: join(dir, name), epoch: Number(epoch) }))
    .sort((a, b) => b.epoch - a.epoch);
  const refs: CheckpointRef[] = [];
  if (existsSync(join(dir, 'best.pt'))) refs.push({ label: 'best', file: join(dir, 'best.pt'), epoch: null });
  if (epochs[0]) refs.push({ label: 'last', file: epochs[0].file, epoch: epochs[0].epoch });
  return [...refs, ...epochs];
}

/**
 * `best`, `last`, `epoch-N` or a file name in `checkpoints/`; with `allowFiles` (the command line,
 * where the user names files anyway) also a path to any checkpoint file. The API never takes
 * paths: a page could otherwise have the host read any file it names.
 */
export function resolveCheckpoint(runDir: string, choice: string, options: { allowFiles?: boolean } = {}): CheckpointRef {
  const refs = listCheckpoints(runDir);
  if (refs.length === 0) throw new ApiError('not_found', `the run at ${runDir} has no checkpoint yet (checkpoints are written after each evaluated epoch)`);
  const wanted = choice.replace(/\.pt$/, '');
  const found = refs.find((ref) => ref.label === wanted || basename(ref.file) === choice);
  if (found) return found;
  const asPath = resolve(choice);
  if (options.allowFiles && choice.endsWith('.pt') && existsSync(asPath) && statSync(asPath).isFile()) {
    return { label: basename(asPath, '.pt').replace(/[^A-Za-z0-9._-]/g, '_'), file: asPath, epoch: null };
  }
  throw new ApiError('not_found', `no checkpoint ${JSON.stringify(choice)} in ${join(runDir, RUN_FILES.checkpoints)} (have: ${refs.map((r) => r.label).join(', ')})`);
}

export function bundleDirFor(runDir: string, label: string): string {
  return join(runDir, EXPORTS_DIR, label);
}

/** Whether the bundle was exported from this very checkpoint file, as it is now. */
export function isStale(manifest: BundleManifest, checkpointFile: string): boolean {
  // Exported before the manifest said whether the model was frontier-supervised: its node values would score the wrong thing.
  if (manifest.frontier_supervision === null || !existsSync(checkpointFile)) return true;
  const info = statSync(checkpointFile);
  return (
    resolve(manifest.source.checkpoint_path) !== resolve(checkpointFile) ||
    manifest.source.checkpoint_bytes !== info.size ||
    Math.abs(manifest.source.checkpoint_mtime_ms - info.mtimeMs) > 1
  );
}

/** A run id of the store, or a run folder (one with `checkpoints/`). */
export function resolveRun(store: RunStore, idOrPath: string): { runId: string | null; dir: string } {
  if (/^[A-Za-z0-9._-]+$/.test(idOrPath) && idOrPath !== '.' && idOrPath !== '..' && store.has(idOrPath)) {
    return { runId: idOrPath, dir: store.realDir(idOrPath) };
  }
  const dir = resolve(idOrPath);
  if (existsSync(join(dir, RUN_FILES.checkpoints)) || existsSync(join(dir, RUN_FILES.record))) {
    const recorded = readRunId(dir);
    return { runId: recorded, dir };
  }
  throw new ApiError('not_found', `${idOrPath} is neither a run id (see \`coconut runs list\`) nor a run folder`);
}

function readRunId(dir: string): string | null {
  try {
    const record = JSON.parse(readFileSync(join(dir, RUN_FILES.record), 'utf8')) as { id?: unknown };
    return typeof record.id === 'string' ? record.id : null;
  } catch {
    return null;
  }
}

/** The run config's `val_path` (resolved against the run folder), when it names a file that exists. */
export function validationPath(runDir: string): string | null {
  try {
    const config = parse(readFileSync(join(runDir, RUN_FILES.config), 'utf8')) as { val_path?: unknown } | null;
    if (typeof config?.val_path !== 'string') return null;
    const path = resolve(runDir, config.val_path);
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export function describeTargets(runId: string, runDir: string, method: string): InspectTargets {
  const checkpoints = listCheckpoints(runDir);
  const bundles: InspectTargets['bundles'] = [];
  for (const ref of checkpoints) {
    const dir = bundleDirFor(runDir, ref.label);
    if (!isBundleDir(dir)) continue;
    try {
      const manifest = readManifest(dir);
      bundles.push({
        checkpoint: ref.label,
        path: dir,
        stale: isStale(manifest, ref.file),
        default_thoughts: manifest.default_thoughts,
        max_thoughts: maxThoughts(manifest),
        layers: manifest.model.layers,
      });
    } catch {
      // A damaged bundle is listed as missing: exporting again replaces it.
    }
  }
  return {
    run_id: runId,
    method,
    checkpoints: checkpoints.map(({ label, file, epoch }) => ({ label, file, epoch })),
    bundles,
    val_path: validationPath(runDir),
    problem: checkpoints.length === 0 ? 'no checkpoint yet: a run writes one after each evaluated epoch' : null,
  };
}

/** The slider's end: the most thoughts any trained stage used, at least a few beyond the default. */
export function maxThoughts(manifest: BundleManifest): number {
  if (!manifest.markers) return hasPauseTokens(manifest.method) ? manifest.pause_tokens : 0;
  const trained = Math.max(0, ...manifest.stages.map((stage) => stage.thoughts));
  return Math.min(32, Math.max(trained, manifest.default_thoughts) + Math.max(2, manifest.c_thought));
}
