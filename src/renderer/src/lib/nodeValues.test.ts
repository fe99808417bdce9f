import { describe, expect, it } from 'vitest';
import { frontierDepth, type NodeValue, type NodeValues } from '../../../common/inspector';
import { clampStep, frontierAt, largestValue, nodePaint, shortValue, valueByHeight, valueMeaning, valuesAt, valueSteps } from './nodeValues';
import { valueColor } from './valueScale';

const node = (index: number, depth: number | null, onBranch: boolean, values: number[], height = 1): NodeValue => ({
  node: `n${index}`,
  index,
  height: { shortest: height, longest: height + (index % 2) },
  depth,
  on_answer_branch: onBranch,
  values,
});

const VALUES: NodeValues = {
  format: 'edge_tokens',
  query: 'next_step',
  prefixes: ['', '', ''],
  frontiers: [],
  nodes: [node(0, 0, true, [0.9, 0.1, 0.0], 2), node(1, 1, true, [0.05, 0.7, 0.2], 1), node(2, 1, false, [0.05, 0.2, 0.1], 1), node(3, 2, true, [0, 0, 0.7], 0), node(4, null, false, [0, 0, 0], 0)],
};

describe('node values', () => {
  it('covers k = 0..K and clamps a step into it', () => {
    expect(valueSteps(VALUES)).toBe(3);
    expect(clampStep(9, VALUES)).toBe(2);
    expect(clampStep(-1, VALUES)).toBe(0);
    expect(valueSteps({ ...VALUES, nodes: [] })).toBe(0);
    expect(clampStep(3, { ...VALUES, nodes: [] })).toBe(0);
  });

  it('reads each node value by node index, null where there is none', () => {
    expect(valuesAt(VALUES, 6, 1)).toEqual([0.1, 0.7, 0.2, 0, 0, null]);
  });

  it('takes the frontier after k thoughts as the nodes k edges from the entity (the children for k = 0 as well)', () => {
    expect([...frontierAt(VALUES, 0)]).toEqual([1, 2]);
    expect([...frontierAt(VALUES, 1)]).toEqual([1, 2]);
    expect([...frontierAt(VALUES, 2)]).toEqual([3]);
    expect([...frontierAt(VALUES, 3)]).toEqual([]);
  });

  it('rings the frontier the host gives, which for a frontier-supervised model is k + 1 edges away, and says what a value measures', () => {
    // Node 3 is two edges from the entity; a host's walk frontier may also hold a node with a shorter path (here 2).
    const named: NodeValues = { ...VALUES, query: 'named_node', frontiers: [[1, 2], [2, 3], []] };
    expect([...frontierAt(named, 1)]).toEqual([2, 3]);
    expect([...frontierAt(named, 2)]).toEqual([]);
    expect([frontierDepth(0, 'named_node'), frontierDepth(2, 'named_node'), frontierDepth(0), frontierDepth(2)]).toEqual([1, 3, 1, 2]);
    // Without the host's list, depths stand in: k + 1 edges for a named node.
    expect([...frontierAt({ ...named, frontiers: [] }, 1)]).toEqual([3]);
    expect(nodePaint(named, 5, 1, 'light', '#ccc').outlined).toEqual([false, false, true, true, false]);
    expect(valueMeaning(named, 1)).toBe('value: how likely the model names the node after 1 thought and <eot>, alone or as the answer after ###');
    expect(valueMeaning(VALUES, 0)).toBe('value: how likely the first written step after 0 thoughts and <eot> is about the node');
  });

  it('paints nodes with the value scale and changes colours with k', () => {
    const at0 = nodePaint(VALUES, 6, 0, 'light', '#999999');
    const at1 = nodePaint(VALUES, 6, 1, 'light', '#999999');
    expect(at0.colors[0]).toBe(valueColor(0.9, 'light'));
    expect(at0.colors[5]).toBe('#999999');
    expect(at1.colors).not.toEqual(at0.colors);
    expect(at1.outlined).toEqual([false, true, true, false, false, false]);
    expect(at1.notes[1]).toBe('value 0.700 · depth 1 · height 1–2 · on the answer branch');
    expect(at1.notes[4]).toContain('unreachable');
    expect(at1.notes[5]).toBe('no value');
    expect(at1.labels).toEqual(['0.10', '0.70', '0.20', '0', '0', '']);
  });

  it("stretches the colours to the step's largest value when relative", () => {
    const small: NodeValues = { ...VALUES, nodes: [node(0, 0, true, [0.004]), node(1, 1, true, [0.002])] };
    expect(largestValue(small, 0)).toBe(0.004);
    const absolute = nodePaint(small, 2, 0, 'light', '#999999');
    const relative = nodePaint(small, 2, 0, 'light', '#999999', true);
    expect(relative.colors).toEqual([valueColor(1, 'light'), valueColor(0.5, 'light')]);
    expect(absolute.colors).toEqual([valueColor(0.004, 'light'), valueColor(0.002, 'light')]);
    expect(relative.labels).toEqual(['4e-3', '2e-3']);
    // All zero: nothing to stretch to.
    const zero: NodeValues = { ...VALUES, nodes: [node(0, 0, true, [0])] };
    expect(nodePaint(zero, 1, 0, 'light', '#999999', true).colors).toEqual([valueColor(0, 'light')]);
    expect(shortValue(0.5)).toBe('0.50');
  });

  it('splits value against height by the answer branch', () => {
    const { on, off } = valueByHeight(VALUES, 2);
    expect(on.map((p) => p.value)).toEqual([
      [2, 0, 'n0'],
      [1, 0.2, 'n1'],
      [0, 0.7, 'n3'],
    ]);
    expect(off.map((p) => p.value)).toEqual([
      [1, 0.1, 'n2'],
      [0, 0, 'n4'],
    ]);
  });
});
