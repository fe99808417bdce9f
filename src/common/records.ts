/**
 * The dataset record format (the Coconut reference's): a JSON list of
 * `{question, steps: [string], answer}`; graph questions (ProsQA, reachability) add the graph
 * fields `idx_to_symbol, edges, root, target, neg_target`, which the analyses need, and the
 * generators add `frontiers`. Defined once here: the workbench validates with it, the API's
 * record views extend it, and `npm run schemas` writes it as the JSON Schema the engine validates
 * every record against (`engine/coconut_engine/schemas/record.schema.json`).
 *
 * Each field carries `x-rule`, the words an error message uses for it, so both languages say the
 * same thing. What a JSON Schema cannot say (graph fields that come together, node indices below
 * the node count) is checked by the workbench only (src/node/datasets/records.ts).
 */
import { z } from 'zod';

/**
 * Holds a character other than whitespace: not empty and not only spaces (checked, not trimmed,
 * since records are kept exactly as written). The whitespace is JavaScript's (what `trim()`
 * removes), spelled out rather than `\S` so that Python's `re` (the engine's jsonschema) reads
 * the pattern the same way.
 */
export const NON_BLANK_PATTERN = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** What each field must be, in the words an error message uses (`'steps' must be a list of strings`). */
export const RECORD_FIELD_RULES = {
  question: 'must be a non-empty string',
  steps: 'must be a list of strings',
  answer: 'must be a non-empty string',
  idx_to_symbol: 'must be a list of node names',
  edges: 'must be a list of [from, to] node index pairs',
  root: 'must be a node index (a whole number from 0)',
  target: 'must be a node index (a whole number from 0)',
  neg_target: 'must be a node index (a whole number from 0)',
  frontiers: 'must be a list of lists of node indices',
} as const;
export type RecordField = keyof typeof RECORD_FIELD_RULES;

const rule = (field: RecordField) => ({ 'x-rule': RECORD_FIELD_RULES[field] });
const nodeIndex = z.int().min(0);
const nonBlank = z.string().regex(NON_BLANK_PATTERN);

export const DatasetRecordSchema = z.object({
  question: nonBlank.meta(rule('question')),
  steps: z.array(nonBlank).meta(rule('steps')),
  answer: nonBlank.meta(rule('answer')),
  idx_to_symbol: z.array(z.string().min(1)).optional().meta(rule('idx_to_symbol')),
  edges: z.array(z.tuple([nodeIndex, nodeIndex])).optional().meta(rule('edges')),
  root: nodeIndex.optional().meta(rule('root')),
  target: nodeIndex.optional().meta(rule('target')),
  neg_target: nodeIndex.optional().meta(rule('neg_target')),
  /**
   * `frontiers[j]`: the nodes reachable from `root` by a walk of exactly j + 1 edges, ascending,
   * for j = 0, 1, … until the set is empty (at most one list per node). Written by the graph
   * generators for frontier supervision; optional everywhere.
   */
  frontiers: z.array(z.array(nodeIndex)).optional().meta(rule('frontiers')),
});
export type DatasetRecord = z.infer<typeof DatasetRecordSchema>;

export const REQUIRED_RECORD_FIELDS = ['question', 'steps', 'answer'] as const;
/** Optional, but when one is present all are (`neg_target` may be left out). */
export const GRAPH_FIELDS = ['idx_to_symbol', 'edges', 'root', 'target'] as const;
