/**
 * The config key eval_thoughts (only_eval with forced thought counts): what the schema accepts,
 * and the checks `semanticIssues` makes before the engine would (engine/coconut_engine/config.py).
 */
import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../common/config.js';
import { semanticIssues } from './configText.js';

const paths = { train_path: '/data/t.json', val_path: '/data/v.json' };
const evaluating = { ...paths, only_eval: true, load_model_path: '/runs/a/checkpoints/best.pt' };

function issuesOf(keys: Record<string, unknown>) {
  return semanticIssues(RunConfigSchema.parse(keys));
}

describe('eval_thoughts', () => {
  it('is null by default and takes distinct counts from 0 to 32', () => {
    expect(RunConfigSchema.parse(paths).eval_thoughts).toBeNull();
    expect(RunConfigSchema.parse({ ...evaluating, coconut: true, eval_thoughts: [3, 0, 32] }).eval_thoughts).toEqual([3, 0, 32]);
    for (const bad of [[], [1, 1], [33], [-1], [0.5], '0,1']) {
      const parsed = RunConfigSchema.safeParse({ ...evaluating, coconut: true, eval_thoughts: bad });
      expect(parsed.success, JSON.stringify(bad)).toBe(false);
      expect(parsed.error?.issues[0]?.path[0]).toBe('eval_thoughts');
    }
  });

  it('is accepted for an only_eval run of a method with thought markers', () => {
    expect(issuesOf({ ...evaluating, coconut: true, eval_thoughts: [0, 1, 2] })).toEqual([]);
    expect(issuesOf({ ...evaluating, eval_thoughts: [4] })).toEqual([]); // pause as thought
  });

  it('needs only_eval', () => {
    expect(issuesOf({ ...paths, coconut: true, eval_thoughts: [1] })).toEqual([
      { path: 'eval_thoughts', message: 'forces thought counts when evaluating a checkpoint: set only_eval' },
    ]);
  });

  it('is refused for methods without thought markers, naming the method', () => {
    for (const method of ['cot', 'no_cot', 'pause_token', 'icot', 'no_thoughts']) {
      expect(issuesOf({ ...evaluating, [method]: true, eval_thoughts: [1] })).toEqual([
        { path: 'eval_thoughts', message: `needs continuous thoughts, but method ${method} has no thought markers (use it with coconut or pause_as_thought)` },
      ]);
    }
  });

  it('cannot be combined with a fixed eval_stage', () => {
    expect(issuesOf({ ...evaluating, coconut: true, eval_thoughts: [1], eval_stage: 2 })).toEqual([
      { path: 'eval_thoughts', message: 'eval_stage also fixes the thought count at evaluation; drop one' },
    ]);
  });
});
