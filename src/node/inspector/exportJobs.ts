/**
 * Exports of run checkpoints to ONNX bundles, each one an engine process
 * (`python -m coconut_engine export … --json`) whose JSON lines carry its phases. One export per
 * bundle folder at a time: asking again while it runs returns the running job.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { ExportJob } from '../../common/inspector.js';
import { engineEnv, engineStatus } from '../engine/launcher.js';

export interface ExportRequest {
  runId: string | null;
  runDir: string;
  label: string;
  checkpointFile: string;
  outDir: string;
}

export type ExportJobListener = (job: ExportJob) => void;

/** Finished jobs remembered for late subscribers. */
const KEEP_FINISHED = 50;

export class ExportJobs {
  private readonly jobs = new Map<string, ExportJob>();
  private readonly running = new Map<string, Promise<ExportJob>>();
  private readonly listeners = new Set<ExportJobListener>();
  /** Each job's bundle folder: a second request for the same folder joins the running job. */
  private readonly outDirs = new Map<string, string>();

  list(): ExportJob[] {
    return [...this.jobs.values()].map((job) => ({ ...job }));
  }

  subscribe(listener: ExportJobListener): () => void {
    for (const job of this.jobs.values()) listener({ ...job });
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts (or joins) the export of `request.outDir`; returns the job as it stands and a promise of its end. */
  start(request: ExportRequest): { job: ExportJob; done: Promise<ExportJob> } {
    const existing = [...this.jobs.values()].find((job) => job.status === 'running' && this.outDirs.get(job.id) === request.outDir);
    if (existing) return { job: { ...existing }, done: this.running.get(existing.id) as Promise<ExportJob> };
    const job: ExportJob = {
      id: randomBytes(6).toString('hex'),
      run_id: request.runId ?? request.runDir,
      checkpoint: request.label,
      status: 'running',
      phase: null,
      index: 0,
      total: 0,
      error: null,
      out: null,
      started_at: new Date().toISOString(),
      finished_at: null,
    };
    this.outDirs.set(job.id, request.outDir);
    this.jobs.set(job.id, job);
    this.prune();
    this.emit(job);
    const done = this.run(job, request);
    this.running.set(job.id, done);
    void done.finally(() => this.running.delete(job.id));
    return { job: { ...job }, done };
  }

  private async run(job: ExportJob, request: ExportRequest): Promise<ExportJob> {
    const status = engineStatus();
    if (!status.python) return this.finish(job, status.problem ?? 'the engine is not set up');
    const args = ['-m', 'coconut_engine', 'export', '--checkpoint', request.checkpointFile, '--out', request.outDir, '--label', request.label, '--run-dir', request.runDir, '--json'];
    if (request.runId) args.push('--run-id', request.runId);
    return new Promise<ExportJob>((resolve) => {
      const child = spawn(status.python as string, args, { env: engineEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let out: string | null = null;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        let message: { type?: string; phase?: string; index?: number; total?: number; out?: string };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return; // stray output (a library's warning) is not ours to parse
        }
        if (message.type === 'progress') {
          Object.assign(job, { phase: message.phase ?? null, index: message.index ?? 0, total: message.total ?? 0 });
          this.emit(job);
        } else if (message.type === 'done') {
          out = message.out ?? request.outDir;
        }
      });
      child.on('error', (error) => resolve(this.finish(job, `could not start the engine: ${error.message}`)));
      child.on('close', (code) => {
        if (code === 0 && out !== null) {
          job.out = out;
          job.index = job.total;
          resolve(this.finish(job, null));
        } else {
          const line = stderr.split('\n').filter((l) => l.startsWith('error:')).pop() ?? stderr.trim().split('\n').pop() ?? '';
          resolve(this.finish(job, line.replace(/^error:\s*/, '') || `the export ended with exit code ${code}`));
        }
      });
    });
  }

  private finish(job: ExportJob, error: string | null): ExportJob {
    job.status = error === null ? 'completed' : 'failed';
    job.error = error;
    job.finished_at = new Date().toISOString();
    this.emit(job);
    return { ...job };
  }

  private emit(job: ExportJob): void {
    for (const listener of this.listeners) listener({ ...job });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((job) => job.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.jobs.delete(job.id);
      this.outDirs.delete(job.id);
    }
  }
}
