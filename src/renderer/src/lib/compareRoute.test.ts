import { describe, expect, it } from 'vitest';
import { compareHref, parseComparePath } from './compareRoute';

describe('compare route', () => {
  it('reads the runs of the query, in order, without blanks or repeats', () => {
    expect(parseComparePath('/compare?runs=b,a, ,b')).toEqual({ runs: ['b', 'a'] });
    expect(parseComparePath('/compare')).toEqual({ runs: [] });
    expect(parseComparePath('/compare/')).toEqual({ runs: [] });
    expect(parseComparePath('/compare?other=1')).toEqual({ runs: [] });
  });

  it('is not the compare page for other paths', () => {
    expect(parseComparePath('/runs/abc')).toBeNull();
    expect(parseComparePath('/comparex?runs=a')).toBeNull();
  });

  it('round-trips ids with characters that need escaping', () => {
    const ids = ['run 1', 'a&b', 'x,y', 'ümlaut'];
    const href = compareHref(ids);
    expect(href.startsWith('#/compare?runs=')).toBe(true);
    expect(parseComparePath(href.slice(1))).toEqual({ runs: ids });
    expect(compareHref([])).toBe('#/compare');
  });

  it('takes a stray % as written', () => {
    expect(parseComparePath('/compare?runs=50%,b')).toEqual({ runs: ['50%', 'b'] });
  });
});
