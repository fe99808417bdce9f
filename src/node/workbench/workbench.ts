/** The services one workbench process holds: the run store and the job manager over one home folder. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectRoot } from '../engine/paths.js';
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
  readonly version = workbenchVersion();

  constructor(
    readonly home: string = defaultHome(),
    jobOptions: JobManagerOptions = {},
  ) {
    this.store = new RunStore(home);
    this.jobs = new JobManager(this.store, { versions: { workbench: this.version }, ...jobOptions });
  }

  get datasetsDir(): string {
    return join(this.home, 'datasets');
  }
}
