/**
 * The contract of the run analyses (`coconut analyse`, the Compare page): the paper's six path
 * categories for graph questions (Figure 5; rules in `src/node/analysis/pathClassifier.ts`), a
 * run's prediction files summarised, and one question's verdict.
 */
import { z } from 'zod';

export const PATH_CATEGORIES = ['correct_label', 'incorrect_label', 'correct_path', 'longer_path', 'hallucination', 'wrong_target'] as const;
export const PathCategorySchema = z.enum(PATH_CATEGORIES);
export type PathCategory = (typeof PATH_CATEGORIES)[number];

/** The paper's names, for tables and legends. */
export const CATEGORY_TITLES: Record<PathCategory, string> = {
  correct_label: 'Correct Label',
  incorrect_label: 'Incorrect Label',
  correct_path: 'Correct Path',
  longer_path: 'Longer Path',
  hallucination: 'Hallucination',
  wrong_target: 'Wrong Target',
};

const count = z.number().int().nonnegative();
const nodeIndex = count;

/** How many questions fell in each category. */
export const CategoryCountsSchema = z.object(
  Object.fromEntries(PATH_CATEGORIES.map((category) => [category, count])) as Record<PathCategory, typeof count>,
);
export type CategoryCounts = z.infer<typeof CategoryCountsSchema>;

export const STEP_FORMATS = ['sentences', 'edge_tokens', 'edge_pairs'] as const;

/** Why a written answer got its category: the path as read against the record's graph. */
export const PathVerdictSchema = z.object({
  category: PathCategorySchema,
  explanation: z.string(),
  format: z.enum(STEP_FORMATS),
  /** Continuous thoughts that replaced the first steps (the partial-path rule applies when > 0). */
  thoughts: count,
  /** The written steps as read. */
  steps: z.array(z.string()),
  /** Node indices written, in order. */
  path: z.array(nodeIndex),
  path_names: z.array(z.string()),
  /** The edge a hallucinated step used that the graph lacks (or the disconnected jump). */
  missing_edge: z.tuple([nodeIndex, nodeIndex]).optional(),
  missing_edge_names: z.tuple([z.string(), z.string()]).optional(),
  /** 1-based index of the step that made it a hallucination. */
  bad_step: z.number().int().positive().optional(),
  /** Where a valid walk ended. */
  reached: nodeIndex.optional(),
  reached_name: z.string().optional(),
  completion: count.optional(),
  length: count.optional(),
  shortest: count.optional(),
  answer: z.string().optional(),
  answer_correct: z.boolean(),
  answer_node: nodeIndex.optional(),
});
export type PathVerdictView = z.infer<typeof PathVerdictSchema>;

/** Questions and right answers among them. */
export const TallySchema = z.object({ total: count, correct: count });

/**
 * Accuracy split by whether the first written step is a choice: `choice` counts the questions
 * whose entity has a child from which the answer cannot be reached (where chain of thought can
 * take a wrong first step), `direct` the others, where every first step leads to the answer.
 */
export const FirstStepSplitSchema = z.object({ choice: TallySchema, direct: TallySchema });
export type FirstStepSplit = z.infer<typeof FirstStepSplitSchema>;

/**
 * A frontier-supervised run (config `frontier_supervision`) before its last stage: after k
 * thoughts the model names one node and stops. `named` counts the questions answered that way
 * (one word, no answer marker), `on_frontier` those whose word is a node reached from the entity
 * by a walk of exactly k + 1 edges (the record's `frontiers[k]`): the set the thoughts are trained
 * to hold, so the share says how well they hold it.
 */
export const FrontierNamingSchema = z.object({ named: count, on_frontier: count });
export type FrontierNaming = z.infer<typeof FrontierNamingSchema>;

/** Accuracy on the questions with a given number of reasoning steps (the record's `steps`). */
export const StepsTallySchema = TallySchema.extend({ steps: count });
export type StepsTally = z.infer<typeof StepsTallySchema>;

/** One prediction file of a run, with the evaluation that wrote it and its categories. */
export const PredictionFileSummarySchema = z.object({
  /** Name under `RUN/predictions/`, such as `epoch-3.jsonl` or `eval-4-k2.jsonl`. */
  file: z.string(),
  /** The evaluation's epoch as the events count it (from 0), when an `eval` event names the file. */
  epoch: count.nullable(),
  stage: count.nullable(),
  /** Thoughts every question got when the evaluation forced a count (`coconut eval --thoughts`); else null. */
  forced_thoughts: count.nullable(),
  /** The most common thought count among the rows (what "k" is for this file). */
  thoughts: count,
  total: count,
  correct: count,
  accuracy: z.number().min(0).max(1),
  /** From the `eval` event, when there is one. */
  mean_new_tokens: z.number().nonnegative().nullable(),
  mean_forward_passes: z.number().nonnegative().nullable(),
  ms_per_question: z.number().nonnegative().nullable(),
  /**
   * Null when the dataset's records carry no graph (categories need one), or when no question was
   * answered with a written path (a frontier-supervised stage names a node instead; such questions
   * are left out of the counts, which then add up to fewer than `total`).
   */
  categories: CategoryCountsSchema.nullable(),
  /** Null when the dataset's records carry no graph. */
  first_step: FirstStepSplitSchema.nullable(),
  /** Null unless the run trains with frontier supervision and some question was answered by naming a node. */
  frontier: FrontierNamingSchema.nullable(),
  /** Ascending by steps; empty when the file could not be read against the dataset. */
  by_steps: z.array(StepsTallySchema),
  /** Why this file could not be read or classified; null otherwise. */
  problem: z.string().nullable(),
});
export type PredictionFileSummary = z.infer<typeof PredictionFileSummarySchema>;

export const RunAnalysisSchema = z.object({
  run_id: z.string(),
  name: z.string(),
  method: z.string(),
  /** The dataset the predictions answer (the run's val_path). */
  val_path: z.string().nullable(),
  /** Whether that dataset's records carry graphs (and so categories). */
  graph: z.boolean(),
  files: z.array(PredictionFileSummarySchema),
  /** Why nothing could be analysed (no predictions yet, dataset missing); null otherwise. */
  problem: z.string().nullable(),
});
export type RunAnalysis = z.infer<typeof RunAnalysisSchema>;

/** One question of a prediction file with its verdict. */
export const AnalysedQuestionSchema = z.object({
  idx: count,
  thoughts: count,
  text: z.string(),
  answer: z.string(),
  correct: z.boolean(),
  /** Null when the record has no graph. */
  verdict: PathVerdictSchema.nullable(),
});
export type AnalysedQuestion = z.infer<typeof AnalysedQuestionSchema>;

/** Node values over a dataset (Figures 7–8 for the user's runs), from the thought inspector. */
export const NodeValueAggregateSchema = z.object({
  records: count,
  thoughts: count,
  /** Per k (0..thoughts): mean value by height, split by whether the node leads to the answer. */
  by_height: z.array(
    z.object({
      k: count,
      height: count,
      /** `shortest` or `longest` distance to a leaf. */
      measure: z.enum(['shortest', 'longest']),
      correct_mean: z.number().nullable(),
      correct_nodes: count,
      incorrect_mean: z.number().nullable(),
      incorrect_nodes: count,
    }),
  ),
  /** Per k: mean cumulative value of the top-1/2/3 frontier nodes. */
  top_cumulative: z.array(z.object({ k: count, top1: z.number(), top2: z.number(), top3: z.number() })),
});
export type NodeValueAggregate = z.infer<typeof NodeValueAggregateSchema>;
