import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash, type Route } from './useHashRoute';

describe('hash routes', () => {
  it('reads every page, with or without a trailing slash', () => {
    expect(parseHash('')).toEqual({ name: 'runs' });
    expect(parseHash('#/')).toEqual({ name: 'runs' });
    expect(parseHash('#/new')).toEqual({ name: 'new' });
    expect(parseHash('#/runs/abc')).toEqual({ name: 'run', id: 'abc' });
    expect(parseHash('#/inspect/abc')).toEqual({ name: 'inspect', id: 'abc' });
    expect(parseHash('#/inspect/abc/')).toEqual({ name: 'inspect', id: 'abc' });
    expect(parseHash('#/datasets')).toEqual({ name: 'datasets', dataset: null });
    expect(parseHash('#/datasets/q')).toEqual({ name: 'datasets', dataset: 'q' });
    expect(parseHash('#/compare')).toEqual({ name: 'compare', runs: [] });
    expect(parseHash('#/compare?runs=a,b')).toEqual({ name: 'compare', runs: ['a', 'b'] });
  });

  it('leaves unknown paths as missing, including an inspect link without a run', () => {
    expect(parseHash('#/inspect')).toEqual({ name: 'missing', path: '/inspect' });
    expect(parseHash('#/inspect/a/b')).toEqual({ name: 'missing', path: '/inspect/a/b' });
  });

  it('writes links that read back as the same route, odd characters included', () => {
    const routes: Route[] = [
      { name: 'runs' },
      { name: 'new' },
      { name: 'run', id: '2026-01-01 run/1' },
      { name: 'inspect', id: '2026-01-01 run/1' },
      { name: 'datasets', dataset: null },
      { name: 'datasets', dataset: 'quick start' },
      { name: 'compare', runs: ['run,1', 'run 2'] },
    ];
    for (const route of routes) expect(parseHash(hrefOf(route))).toEqual(route);
    expect(hrefOf({ name: 'inspect', id: 'r1' })).toBe('#/inspect/r1');
  });
});
