/**
 * The host's warnings on the new-run config (`config.check`'s `warnings`: allowed but probably not
 * meant, such as a resumed curriculum with no checkpoint), asked shortly after the text settles.
 * They never block a run; a failed check simply shows none.
 */
import { onScopeDispose, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { Issue } from '../../../common/api';
import type { ClientApi } from '../api';

export function useConfigWarnings(api: ClientApi, text: Ref<string>, options: { delayMs?: number } = {}): ShallowRef<Issue[]> {
  const warnings = shallowRef<Issue[]>([]);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  watch(
    text,
    (config) => {
      if (timer !== null) clearTimeout(timer);
      const mine = ++seq;
      if (config.trim() === '') {
        warnings.value = [];
        return;
      }
      timer = setTimeout(() => {
        timer = null;
        api.call('config.check', { config_yaml: config }).then(
          (check) => {
            if (mine === seq) warnings.value = check.warnings ?? [];
          },
          () => {
            if (mine === seq) warnings.value = [];
          },
        );
      }, options.delayMs ?? 500);
    },
    { immediate: true },
  );

  onScopeDispose(() => {
    if (timer !== null) clearTimeout(timer);
  });
  return warnings;
}
