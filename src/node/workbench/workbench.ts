/** The services one workbench process holds over one home folder: the run store, the job manager and the datasets. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunAnalyser } from '../analysis/runAnalysis.js';
import { DatasetJobs } from '../datasets/datasetJobs.js';
import { DatasetStore } from '../datasets/datasetStore.js';
import { projectRoot } from '../engine/paths.js';
import { ExportJobs } from '../inspector/exportJobs.js';
import { GpuSampler } from '../gpus/gpuSampler.js';
import { InspectorService } from '../inspector/inspectorService.js';
import { JobManager, type JobManagerOptions } from '../jobs/jobManager.js';
import { RunStore } from '../runs/runStore.js';

/** `COCONUT_HOME`, else `~/.coconut-workbench`: runs and datasets live under it. */
export function defaultHome(): string {
  return resolve(process.env.COCONUT_HOME ?? join(homedir(), '.coconut-workbench'));
}

export function workbenchVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export class Workbench {
  readonly store: RunStore;
  readonly jobs: JobManager;
  readonly datasets: DatasetStore;
  readonly datasetJobs: DatasetJobs;
  readonly analyser: RunAnalyser;
  readonly exports = new ExportJobs();
  readonly inspector = new InspectorService();
  /** The one nvidia-smi reader every view subscribes to (`gpus` topic). */
  readonly gpus = new GpuSampler();
  readonly version = workbenchVersion();

  constructor(
    readonly home: string = defaultHome(),
    jobOptions: JobManagerOptions = {},
  ) {
    this.store = new RunStore(home);
    this.jobs = new JobManager(this.store, { versions: { workbench: this.version }, ...jobOptions });
    this.datasets = new DatasetStore(this.datasetsDir);
    this.datasetJobs = new DatasetJobs(this.datasetsDir);
    this.analyser = new RunAnalyser(this.store, (path) => this.datasets.recordsOfPath(path));
  }

  /**
   * Takes over the home as the process that serves it: follows runs left running (or settles
   * them), and sweeps dataset folders a killed generation left behind.
   */
  start(): void {
    this.jobs.recover();
    void this.datasetJobs.sweepStale().catch(() => undefined); // a sweep that fails leaves hidden folders, nothing worse
  }

  get datasetsDir(): string {
    return join(this.home, 'datasets');
  }
}
