/** A copy of a ref that follows it once it has stopped changing for a moment (typing), or at once on `flush`. */
import { onScopeDispose, ref, watch, type Ref } from 'vue';

export function useDebounced<T>(source: Ref<T>, delayMs: number): { settled: Ref<T>; flush: () => void } {
  const settled = ref(source.value) as Ref<T>;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const flush = () => {
    cancel();
    settled.value = source.value;
  };

  watch(source, () => {
    cancel();
    timer = setTimeout(flush, delayMs);
  });
  onScopeDispose(cancel);
  return { settled, flush };
}
