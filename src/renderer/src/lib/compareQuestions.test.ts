import { describe, expect, it } from 'vitest';
import type { AnalysedQuestion, PathCategory } from '../../../common/analysis';
import { defaultSides, disagree, filterCounts, filterKey, filterPairs, moveIndex, pairQuestions } from './compareQuestions';

function row(idx: number, correct: boolean, category: PathCategory | null = null): AnalysedQuestion {
  return {
    idx,
    thoughts: 0,
    text: `text ${idx}`,
    answer: correct ? 'right' : 'wrong',
    correct,
    verdict:
      category === null
        ? null
        : { category, explanation: 'why', format: 'edge_tokens', thoughts: 0, steps: [], path: [], path_names: [], answer_correct: correct },
  };
}

describe('pairing two runs’ questions', () => {
  const a = [row(3, true, 'correct_path'), row(1, false, 'hallucination'), row(2, true, 'correct_path'), row(7, false, 'wrong_target')];
  const b = [row(1, true, 'correct_label'), row(2, true, 'correct_label'), row(3, false, 'incorrect_label'), row(9, true, 'correct_label')];
  const pairs = pairQuestions(a, b);

  it('pairs by record index in ascending order, keeping one-sided records', () => {
    expect(pairs.map((pair) => pair.idx)).toEqual([1, 2, 3, 7, 9]);
    expect(pairs[0]?.a?.verdict?.category).toBe('hallucination');
    expect(pairs[0]?.b?.verdict?.category).toBe('correct_label');
    expect(pairs[3]?.b).toBeNull();
    expect(pairs[4]?.a).toBeNull();
  });

  it('keeps only disagreements where both answered, one right and one wrong', () => {
    expect(filterPairs(pairs, { kind: 'disagree' }).map((pair) => pair.idx)).toEqual([1, 3]);
    expect(pairs.filter(disagree)).toHaveLength(2);
    expect(filterCounts(pairs)).toEqual({ all: 5, disagree: 2, aRight: 1, bRight: 1 });
  });

  it('filters by one side’s category', () => {
    expect(filterPairs(pairs, { kind: 'category', side: 'a', category: 'correct_path' }).map((pair) => pair.idx)).toEqual([2, 3]);
    expect(filterPairs(pairs, { kind: 'category', side: 'b', category: 'correct_label' }).map((pair) => pair.idx)).toEqual([1, 2, 9]);
    expect(filterPairs(pairs, { kind: 'category', side: 'b', category: 'hallucination' })).toEqual([]);
    expect(filterPairs(pairs, { kind: 'all' })).toHaveLength(5);
  });

  it('names filters and moves through lists without leaving them', () => {
    expect(filterKey({ kind: 'category', side: 'a', category: 'wrong_target' })).toBe('a:wrong_target');
    expect(filterKey({ kind: 'disagree' })).toBe('disagree');
    expect(moveIndex(-1, 1, 4)).toBe(0);
    expect(moveIndex(-1, -1, 4)).toBe(3);
    expect(moveIndex(3, 1, 4)).toBe(3);
    expect(moveIndex(0, -1, 4)).toBe(0);
    expect(moveIndex(2, 1, 0)).toBe(-1);
  });
});

describe('default sides', () => {
  it('puts CoT on the written side and Coconut on the thoughts side, whatever the order', () => {
    expect(defaultSides([{ id: 'c', method: 'coconut' }, { id: 'n', method: 'no_cot' }, { id: 't', method: 'cot' }])).toEqual({ a: 't', b: 'c' });
    expect(defaultSides([{ id: 'c', method: 'coconut' }, { id: 'p', method: 'pause_as_thought' }])).toEqual({ a: 'p', b: 'c' });
  });

  it('fills both sides with what there is', () => {
    expect(defaultSides([{ id: 'c1', method: 'coconut' }, { id: 'c2', method: 'coconut' }])).toEqual({ a: 'c1', b: 'c2' });
    expect(defaultSides([{ id: 'x', method: 'cot' }, { id: 'y', method: 'cot' }])).toEqual({ a: 'x', b: 'y' });
    expect(defaultSides([{ id: 'only', method: 'cot' }])).toEqual({ a: 'only', b: null });
    expect(defaultSides([])).toEqual({ a: null, b: null });
  });
});
