/** Current time in Unix seconds, ticking once a second while some component uses it. */
import { onScopeDispose, ref, type Ref } from 'vue';

export function useNow(intervalMs = 1000): Ref<number> {
  const now = ref(Date.now() / 1000);
  const timer = setInterval(() => {
    now.value = Date.now() / 1000;
  }, intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
