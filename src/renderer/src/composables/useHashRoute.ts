/**
 * A tiny hash router: `#/` runs, `#/new` new run, `#/runs/<id>` one run, `#/inspect/<id>` the thought
 * inspector on one run, `#/datasets` and `#/datasets/<name>`, `#/compare?runs=a,b` runs side by side.
 */
import { computed, onScopeDispose, ref, type ComputedRef } from 'vue';
import { compareHref, parseComparePath } from '../lib/compareRoute';

export type Route =
  | { name: 'runs' }
  | { name: 'new' }
  | { name: 'run'; id: string }
  | { name: 'inspect'; id: string }
  | { name: 'datasets'; dataset: string | null }
  | { name: 'compare'; runs: string[] }
  | { name: 'missing'; path: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/runs') return { name: 'runs' };
  if (path === '/new') return { name: 'new' };
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run?.[1]) return { name: 'run', id: decodeURIComponent(run[1]) };
  const inspect = /^\/inspect\/([^/]+)$/.exec(path);
  if (inspect?.[1]) return { name: 'inspect', id: decodeURIComponent(inspect[1]) };
  if (path === '/datasets') return { name: 'datasets', dataset: null };
  const dataset = /^\/datasets\/([^/]+)$/.exec(path);
  if (dataset?.[1]) return { name: 'datasets', dataset: decodeURIComponent(dataset[1]) };
  const compare = parseComparePath(path);
  if (compare) return { name: 'compare', runs: compare.runs };
  return { name: 'missing', path };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'runs':
      return '#/';
    case 'new':
      return '#/new';
    case 'run':
      return `#/runs/${encodeURIComponent(route.id)}`;
    case 'inspect':
      return `#/inspect/${encodeURIComponent(route.id)}`;
    case 'datasets':
      return route.dataset === null ? '#/datasets' : `#/datasets/${encodeURIComponent(route.dataset)}`;
    case 'compare':
      return compareHref(route.runs);
    case 'missing':
      return `#${route.path}`;
  }
}

const hash = ref(typeof window === 'undefined' ? '' : window.location.hash);
let listening = false;

export function useHashRoute(): { route: ComputedRef<Route>; navigate: (to: Route) => void } {
  if (!listening && typeof window !== 'undefined') {
    listening = true;
    window.addEventListener('hashchange', () => {
      hash.value = window.location.hash;
    });
  }
  onScopeDispose(() => undefined);
  return {
    route: computed(() => parseHash(hash.value)),
    navigate: (to: Route) => {
      const href = hrefOf(to);
      if (window.location.hash !== href) window.location.hash = href;
      hash.value = window.location.hash;
    },
  };
}
