/** `coconut serve [--port N]`: the workbench UI and API on loopback, for browsers and headless boxes. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiDispatcher } from '../../api/dispatch.js';
import { projectRoot } from '../../engine/paths.js';
import { startHost, type RunningHost } from '../../serve/host.js';
import { Workbench } from '../../workbench/workbench.js';
import { CliError } from '../output.js';

export function rendererDir(): string {
  return join(projectRoot(), 'out', 'renderer');
}

/** Why the port cannot be listened on, in one line, or null for an unexpected failure. */
export function listenProblem(error: unknown, port: number): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return `port ${port} is in use: choose another with --port`;
  if (code === 'EACCES') return `port ${port} needs privileges this user lacks: choose another with --port (1024 or higher)`;
  if (code === 'EADDRNOTAVAIL') return 'cannot listen on 127.0.0.1: this machine has no loopback address';
  return null;
}

/**
 * Starts the host over a workbench that has taken over the home's unfinished runs. The port is
 * taken first, so a taken port stops `serve` before it adopts any run; nobody can call the host
 * in between, as its token is not printed yet.
 */
export async function serveWorkbench(workbench: Workbench, port: number): Promise<RunningHost> {
  if (!existsSync(join(rendererDir(), 'index.html'))) {
    throw new CliError('the user interface is not built: run `npm run setup` first');
  }
  let host: RunningHost;
  try {
    host = await startHost(new ApiDispatcher(workbench), { port, staticDir: rendererDir() });
  } catch (error) {
    const problem = listenProblem(error, port);
    throw problem ? new CliError(problem) : error;
  }
  workbench.start();
  return host;
}

/** Keeps serving until Ctrl-C; running jobs get the same signal and stop cleanly. */
export async function serveUntilInterrupted(workbench: Workbench, host: RunningHost): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('stopping…');
  await workbench.jobs.cancelAll();
  await workbench.datasetJobs.close();
  await host.close();
  workbench.jobs.close();
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the workbench on 127.0.0.1 (open the printed URL in a browser)')
    .option('--port <n>', 'port (default: a free one)', (value) => Number.parseInt(value, 10), 0)
    .option('--json', 'print {url, token} as JSON once listening')
    .action(async (options: { port: number; json?: boolean }) => {
      if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
        throw new CliError(`--port must be a number from 0 to 65535`);
      }
      const workbench = new Workbench();
      const host = await serveWorkbench(workbench, options.port);
      if (options.json) console.log(JSON.stringify({ url: host.openUrl, token: host.token, port: host.port }));
      else console.log(`Coconut Workbench: ${host.openUrl}\n(loopback only; the token in the URL is required. Ctrl-C stops.)`);
      await serveUntilInterrupted(workbench, host);
    });
}
