import { describe, expect, it } from 'vitest';
import { pageRange } from './format';

describe('pageRange', () => {
  it('names the records a page shows, the last page cut at the total', () => {
    expect(pageRange(0, 20, 95)).toBe('1–20 of 95');
    expect(pageRange(4, 20, 95)).toBe('81–95 of 95');
    expect(pageRange(0, 12, 0)).toBeNull();
  });
});
