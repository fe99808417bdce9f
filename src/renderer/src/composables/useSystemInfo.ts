import { ref, type Ref } from 'vue';
import type { ResponseOf } from '../../../common/api';
import type { ClientApi } from '../api';

export type SystemInfo = ResponseOf<'system.info'>;

export function useSystemInfo(api: ClientApi): { info: Ref<SystemInfo | null>; error: Ref<string | null> } {
  const info = ref<SystemInfo | null>(null);
  const error = ref<string | null>(null);
  api.call('system.info', {}).then(
    (value) => {
      info.value = value;
    },
    (e: unknown) => {
      error.value = e instanceof Error ? e.message : String(e);
    },
  );
  return { info, error };
}
