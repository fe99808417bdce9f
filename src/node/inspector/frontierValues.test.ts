/**
 * Node values of a frontier-supervised model: a tiny run trained by the real engine with
 * `frontier_supervision`, exported, and inspected on onnxruntime-node. Before its last stage such
 * a model names a node after `<eot>` rather than writing a step, so its values score node names
 * (against the engine's own probabilities after `<eot>`) and its graph rings the walk frontier.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectRecord } from '../../common/inspector.js';
import { tempDir } from '../testing/fixtures.js';
import type { LoadedBundle } from './bundle.js';
import { ANSWER_MARKER } from './graphValues.js';
import type { OnnxDecoder } from './onnxDecoder.js';
import { openTrainedBundle, referenceInspections, type TrainedBundle } from './testing.js';
import { inspect } from './thoughtLoop.js';

const TOLERANCE = 1e-4;
const home = tempDir('coconut-frontier-values-');
let trained: TrainedBundle;
let bundle: LoadedBundle;
let decoder: OnnxDecoder;
let records: (InspectRecord & { frontiers?: number[][] })[];

beforeAll(async () => {
  ({ trained, bundle, decoder, records } = await openTrainedBundle(home.path, { frontier_supervision: true, frontier_thought_labels: true }));
}, 300_000);

afterAll(async () => {
  await decoder?.release();
  home.remove();
});

describe('node values of a frontier-supervised model', () => {
  it("score each node's name after <eot>, alone as the engine's probabilities give it or as the answer after the marker, and ring the walk frontier", async () => {
    expect(bundle.manifest.frontier_supervision).toBe(true);
    const index = records.findIndex((record) => (record.steps?.length ?? 0) >= 3);
    expect(index).toBeGreaterThanOrEqual(0);
    const record = records[index]!;
    const k = 2;
    const [reference] = await referenceInspections(join(trained.runDir, 'checkpoints', 'best.pt'), [{ question: record.question, thoughts: k, cache: true }]);
    const ours = await inspect(bundle, decoder, { record, thoughts: k, top: 5, cache: true });
    const values = ours.node_values!;
    expect(values.query).toBe('named_node');
    expect(values.prefixes).toEqual(['', '', '']);
    expect(values.frontiers).toEqual([0, 1, 2].map((j) => record.frontiers![j] ?? []));
    const marker = bundle.tokenizer.tokenToId(ANSWER_MARKER)!;
    for (let j = 0; j <= k; j++) {
      const afterEot = reference!.eot_probs[j]!;
      record.idx_to_symbol!.forEach((symbol, node) => {
        const id = bundle.tokenizer.tokenToId(symbol);
        expect(id, `node ${symbol} in the vocabulary`).toBeDefined();
        // The name alone is the engine's probability after <eot>; the answer adds p(###) times p(name | ###), at most p(###).
        const alone = afterEot[id!]!;
        const value = values.nodes[node]!.values[j]!;
        expect(value, `node ${symbol} at k=${j}`).toBeGreaterThanOrEqual(alone - TOLERANCE);
        expect(value, `node ${symbol} at k=${j}`).toBeLessThanOrEqual(alone + afterEot[marker]! + TOLERANCE);
      });
    }
  }, 120_000);
});
