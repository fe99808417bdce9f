/**
 * The quickstart's dataset: small ProsQA graphs (6–8 nodes, 2–3 steps) in the compact
 * reachability format (each node and each edge one token), sized so a 2-layer model trains on
 * them from scratch on two CPU cores in minutes. Generated once into `<datasets>/quickstart/`
 * and reused while its manifest matches.
 */
import { join } from 'node:path';
import { generationProgressBar } from './progressBar.js';
import {
  compareExistingDataset,
  generateSplits,
  readManifest,
  splitFileName,
  type DatasetManifest,
  type DatasetRequest,
} from './splits.js';

export const QUICKSTART_DATASET = 'quickstart';

/** Everything but the output folder; the CoT/Coconut quickstart configs point at these splits. */
export const QUICKSTART_REQUEST: Omit<DatasetRequest, 'outDir'> = {
  // The same graphs in ProsQA's sentences did not train above chance within the CPU budget (best
  // 56.7 % after 6 minutes), nor did 8–10-node graphs; see reachability.ts and README "Performance".
  generator: 'reachability',
  // Every record's entity has a child that cannot reach the answer, so the first step is a real
  // choice: without it most questions have one way forward, and a written path rarely goes wrong.
  params: { preset: 'small', minNodes: 6, maxNodes: 8, misleadingBranch: 1 },
  seed: 0,
  // Many records and few epochs: a model trained from scratch needs fresh examples more than
  // repeated ones (6000 records for 13 epochs were memorised, not generalised).
  sizes: { train: 40_000, valid: 300, test: 500 },
};

export interface QuickstartDataset {
  dir: string;
  /** False when an identical dataset was already there. */
  created: boolean;
  files: { train: string; valid: string; test: string };
  manifest: DatasetManifest;
}

export async function ensureQuickstartDataset(datasetsDir: string, options: { showProgress?: boolean } = {}): Promise<QuickstartDataset> {
  const dir = join(datasetsDir, QUICKSTART_DATASET);
  const request: DatasetRequest = { ...QUICKSTART_REQUEST, outDir: dir };
  const files = {
    train: join(dir, splitFileName('train')),
    valid: join(dir, splitFileName('valid')),
    test: join(dir, splitFileName('test')),
  };
  if ((await compareExistingDataset(request)).matches) {
    const existing = await readManifest(dir);
    if (existing !== null) return { dir, created: false, files, manifest: existing };
  }
  const bar = generationProgressBar(options.showProgress === true);
  try {
    const manifest = await generateSplits({ ...request, onProgress: (p) => bar.update(splitFileName(p.split), p.done, p.total) });
    return { dir, created: true, files, manifest };
  } finally {
    bar.stop();
  }
}
