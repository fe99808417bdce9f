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

/** The bundle of a run's checkpoint, when one exists and still matches it; `not_found` (export first) otherwise. */
export function bundleForInspection(runDir: string, checkpoint: string, options: { allowFiles?: boolean } = {}): string {
  const ref = resolveCheckpoint(runDir, checkpoint, options);
  const dir = bundleDirFor(runDir, ref.label);
  if (!isBundleDir(dir)) throw new ApiError('not_found', `checkpoint ${ref.label} has no exported bundle yet: export it first`);
  let manifest;
  try {
    manifest = readManifest(dir);
  } catch (error) {
    throw new ApiError('bad_request', `${(error as Error).message} (export the checkpoint again to replace it)`);
  }
  if (isStale(manifest, ref.file)) throw new ApiError('not_found', `the bundle of checkpoint ${ref.label} is older than the checkpoint: export it again`);
  return dir;
}
