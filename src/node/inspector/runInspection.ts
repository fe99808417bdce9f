/** The steps between "inspect this run's checkpoint" and a bundle folder, shared by the API and the CLI. */
import { ApiError } from '../../common/api.js';
import { isBundleDir, readManifest } from './bundle.js';
import type { ExportJob } from '../../common/inspector.js';
import type { ExportJobs } from './exportJobs.js';
import { bundleDirFor, isStale, resolveCheckpoint } from './runTargets.js';

/** Starts (or joins) the export of a run's checkpoint into `RUN/exports/<label>/` (or `outDir`). */
export function startExport(
  exports: ExportJobs,
  runId: string | null,
  runDir: string,
  checkpoint: string,
  options: { outDir?: string; allowFiles?: boolean } = {},
): { job: ExportJob; done: Promise<ExportJob> } {
  const ref = resolveCheckpoint(runDir, checkpoint, options);
  return exports.start({ runId, runDir, label: ref.label, checkpointFile: ref.file, outDir: options.outDir ?? bundleDirFor(runDir, ref.label) });
}

/** Where a run checkpoint's bundle lives, and why it cannot be used as it is (null: it can). */
export function locateBundle(
  runDir: string,
  checkpoint: string,
  options: { allowFiles?: boolean } = {},
): { label: string; dir: string; problem: { code: 'not_found' | 'bad_request'; message: string } | null } {
  const ref = resolveCheckpoint(runDir, checkpoint, options);
  const dir = bundleDirFor(runDir, ref.label);
  const at = (code: 'not_found' | 'bad_request', message: string) => ({ label: ref.label, dir, problem: { code, message } });
  if (!isBundleDir(dir)) return at('not_found', `checkpoint ${ref.label} has no exported bundle yet: export it first`);
  try {
    if (isStale(readManifest(dir), ref.file)) return at('not_found', `the bundle of checkpoint ${ref.label} is older than the checkpoint: export it again`);
  } catch (error) {
    return at('bad_request', `${(error as Error).message} (export the checkpoint again to replace it)`);
  }
  return { label: ref.label, dir, problem: null };
}

/** The bundle of a run's checkpoint, when one exists and still matches it; an ApiError saying why not (export first) otherwise. */
export function bundleForInspection(runDir: string, checkpoint: string): string {
  const { dir, problem } = locateBundle(runDir, checkpoint);
  if (problem) throw new ApiError(problem.code, problem.message);
  return dir;
}
