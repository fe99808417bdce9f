/**
 * The dataset generators the CLI, the app and the quickstart can name. Each one turns a seeded
 * random stream and validated parameters into records that already satisfy its own invariants.
 */
import { z } from 'zod';
import { generateProntoQARecord, PRONTOQA_SPLIT_SIZES, resolveProntoQAParams, type ProntoQAParams } from './prontoqa.js';
import { generateProsQARecord, resolveProsQAParams, type ProsQAParams } from './prosqa.js';
import type { Random } from './random.js';
import { generateReachabilityRecord, resolveReachabilityParams, type ReachabilityParams } from './reachability.js';
import type { DatasetRecord } from './records.js';

export interface DatasetGenerator<Params = unknown> {
  readonly name: string;
  /** Bump when the same parameters and seed would produce different records, so stale datasets are regenerated. */
  readonly version: number;
  readonly description: string;
  /** Validate parameters and fill in defaults; throws a ZodError on bad input. */
  resolveParams(input: unknown): Params;
  /**
   * Parameters that resolving leaves out at their default (so manifests written before they
   * existed still match) but that a form should still offer, with that default.
   */
  readonly optionalDefaults?: Readonly<Record<string, unknown>>;
  /** The next record; consumes `rng`, so the same seed gives the same sequence. */
  generate(rng: Random, params: Params): DatasetRecord;
}

const prosqa: DatasetGenerator<ProsQAParams> = {
  name: 'prosqa',
  // 2: records carry `frontiers`.
  version: 2,
  description: 'ProsQA-style questions over a random DAG of "every X is a Y" facts (Coconut, Algorithm 1)',
  resolveParams: resolveProsQAParams,
  optionalDefaults: { misleadingBranch: 0 },
  generate: generateProsQARecord,
};

const reachability: DatasetGenerator<ReachabilityParams> = {
  name: 'reachability',
  // 2: records carry `frontiers` (the quickstart's dataset is regenerated once; its other fields are unchanged).
  version: 2,
  description: 'The ProsQA graph questions with nodes and edges as single tokens ("3_7 7_9 … ? 3 : 9 5"): short sequences for training from scratch',
  resolveParams: resolveReachabilityParams,
  optionalDefaults: { misleadingBranch: 0 },
  generate: generateReachabilityRecord,
};

const prontoqa: DatasetGenerator<ProntoQAParams> = {
  name: 'prontoqa',
  version: 1,
  description:
    `ProntoQA-style true/false questions over a fictional "-pus" ontology, 5 hops by default (Saparov & He, 2023); ` +
    `the paper's splits are ${PRONTOQA_SPLIT_SIZES.train} / ${PRONTOQA_SPLIT_SIZES.valid} / ${PRONTOQA_SPLIT_SIZES.test}`,
  resolveParams: resolveProntoQAParams,
  generate: generateProntoQARecord,
};

export const DATASET_GENERATORS = { prosqa, reachability, prontoqa } as const;
export type GeneratorName = keyof typeof DATASET_GENERATORS;
export const GENERATOR_NAMES = Object.keys(DATASET_GENERATORS) as GeneratorName[];

export function isGeneratorName(name: string): name is GeneratorName {
  return Object.hasOwn(DATASET_GENERATORS, name);
}

export function getGenerator(name: string): DatasetGenerator {
  if (!isGeneratorName(name)) throw new Error(`unknown dataset generator '${name}' (known: ${GENERATOR_NAMES.join(', ')})`);
  return DATASET_GENERATORS[name] as DatasetGenerator;
}

/** Resolve a generator's parameters, turning a ZodError into one readable line. */
export function resolveGeneratorParams(generator: DatasetGenerator, input: unknown): unknown {
  try {
    return generator.resolveParams(input);
  } catch (error) {
    if (error instanceof z.ZodError) {
      const details = error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
      throw new Error(`bad ${generator.name} parameters: ${details.join('; ')}`);
    }
    throw error;
  }
}
