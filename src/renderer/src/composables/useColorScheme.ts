/** Follows `prefers-color-scheme`. */
import { readonly, ref, type Ref } from 'vue';
import type { Scheme } from '../lib/stageColors';

const scheme = ref<Scheme>('light');
let started = false;

export function useColorScheme(): Readonly<Ref<Scheme>> {
  if (!started && typeof window !== 'undefined' && window.matchMedia) {
    started = true;
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.value = query.matches ? 'dark' : 'light';
    query.addEventListener('change', (e) => {
      scheme.value = e.matches ? 'dark' : 'light';
    });
  }
  return readonly(scheme);
}
