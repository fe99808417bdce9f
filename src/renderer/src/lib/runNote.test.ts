import { describe, expect, it } from 'vitest';
import { runNote } from './runNote';

describe('runNote', () => {
  it('explains a frontier-supervised run and says where to read its accuracy', () => {
    const note = runNote({ coconut: true, frontier_supervision: true });
    expect(note).toMatch(/exactly j \+ 1 edges/);
    expect(note).toMatch(/read the final stage/);
    expect(note).not.toMatch(/its own frontier/);
    expect(runNote({ coconut: true, frontier_supervision: true, frontier_thought_labels: true })).toMatch(/also trained to name a node of its own frontier/);
  });

  it('says nothing for runs whose curves read plainly, or before the config is known', () => {
    expect(runNote({ coconut: true, frontier_supervision: false })).toBeNull();
    expect(runNote({ cot: true })).toBeNull();
    expect(runNote(null)).toBeNull();
  });
});
