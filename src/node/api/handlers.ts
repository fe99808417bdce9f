/** The API's handlers: one function per method of `apiMethods`, shared by every transport. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MethodName, ParsedRequestOf, ResponseOf } from '../../common/api.js';
import { ApiError } from '../../common/api.js';
import { describeGenerators, resolveParams } from '../datasets/datasetJobs.js';
import { engineStatus } from '../engine/launcher.js';
import { projectRoot } from '../engine/paths.js';
import { bundleForInspection, startExport } from '../inspector/runInspection.js';
import { describeTargets, validationPath } from '../inspector/runTargets.js';
import { checkConfig } from '../runs/configText.js';
import { submitEvaluation } from '../runs/evaluation.js';
import { toSummary } from '../runs/runStore.js';
import { sweepReport } from '../runs/sweeps.js';
import type { Workbench } from '../workbench/workbench.js';

export interface CallContext {
  transport: 'ipc' | 'http';
}

export type Handlers = {
  [M in MethodName]: (request: ParsedRequestOf<M>, context: CallContext) => ResponseOf<M> | Promise<ResponseOf<M>>;
};

export function presetPath(name: string): string {
  return join(projectRoot(), 'resources', 'presets', `${name}.yaml`);
}

export function createHandlers(workbench: Workbench): Handlers {
  const { store, jobs, datasets, datasetJobs } = workbench;
  return {
    'system.info': (_request, context) => ({
      version: workbench.version,
      home: workbench.home,
      transport: context.transport,
      engine: engineStatus(),
    }),
    'system.gpus': () => workbench.gpus.read(),
    'runs.list': () => store.list().map(toSummary),
    // A damaged run answers too (status `damaged`, `damage` saying why), with its config when readable.
    'runs.get': ({ id }) => ({ run: toSummary(store.readOrDamaged(id)), config_yaml: store.configTextIfReadable(id) ?? '' }),
    'runs.create': ({ config_yaml }) => {
      const check = checkConfig(config_yaml, workbench.home);
      if (!check.config) throw new ApiError('invalid_config', 'the config has problems', check.issues);
      return jobs.submit(check.config);
    },
    'runs.cancel': ({ id }) => jobs.cancel(id),
    'runs.events': ({ id }) => store.events(id),
    'runs.eventProblems': ({ id }) => store.eventProblems(id),
    'runs.log': ({ id, stream, max_bytes }) => store.logTail(id, stream, max_bytes),
    'runs.predictions': ({ id, file, offset, limit, filter, query }) => store.predictions(id, file, { offset, limit, filter, query }),
    'runs.sweep': ({ sweep }) => sweepReport(store, sweep),
    'runs.delete': ({ id }) => {
      store.remove(id);
      return { id };
    },
    'runs.evaluate': ({ id, checkpoint, dataset, thoughts }) =>
      submitEvaluation(store, jobs, { runId: id, checkpoint, dataset, thoughts, baseDir: workbench.home, readRecords: (path) => datasets.recordsOfPath(path) }),
    'analysis.run': ({ id }) => workbench.analyser.analyse(id),
    'analysis.questions': ({ id, ...options }) => workbench.analyser.questions(id, options),
    'analysis.record': ({ id, index }) => workbench.analyser.record(id, index),
    'config.check': ({ config_yaml }) => {
      const { config: _config, ...check } = checkConfig(config_yaml, workbench.home);
      return check;
    },
    'config.template': ({ method }) => {
      const path = presetPath(`quickstart-${method}`);
      if (!existsSync(path)) throw new ApiError('not_found', `no preset at ${path}`);
      return { config_yaml: readFileSync(path, 'utf8') };
    },
    'datasets.list': () => datasets.list(),
    'datasets.stats': ({ name, split }) => datasets.stats(name, split),
    'datasets.records': ({ name, split, query, offset, limit }) => datasets.records(name, split, { query, offset, limit }),
    'datasets.generators': () => describeGenerators(),
    'datasets.resolveParams': ({ generator, params }) => resolveParams(generator, params),
    'datasets.create': (request) => datasetJobs.create(request),
    'datasets.jobs': () => datasetJobs.list(),
    'datasets.cancelJob': ({ id }) => datasetJobs.cancel(id),
    'inspect.targets': ({ id }) => {
      const run = store.read(id);
      return describeTargets(id, run.dir, run.method);
    },
    'inspect.export': ({ id, checkpoint }) => startExport(workbench.exports, id, store.realDir(id), checkpoint).job,
    'inspect.exports': () => workbench.exports.list(),
    'inspect.records': async ({ id, offset, limit, query }) => {
      const path = validationPath(store.realDir(id));
      if (path === null) throw new ApiError('not_found', `run ${id} names no validation set that exists (config key val_path)`);
      return { path, ...(await datasets.recordsOfFile(path, { offset, limit, query })) };
    },
    'inspect.run': async ({ id, checkpoint, record, thoughts, top, cache }) => {
      const bundleDir = bundleForInspection(store.realDir(id), checkpoint);
      return workbench.inspector.inspect(bundleDir, { record, thoughts, top, cache });
    },
  };
}
