import { onScopeDispose, ref, type Ref } from 'vue';
import type { ClientApi, ConnectionState } from '../api';

/** The live link's state as a ref (IPC is always `open`). */
export function useConnection(api: ClientApi): Ref<ConnectionState> {
  const state = ref<ConnectionState>(api.connectionState());
  const stop = api.onConnectionChange((next) => {
    state.value = next;
  });
  onScopeDispose(stop);
  return state;
}
