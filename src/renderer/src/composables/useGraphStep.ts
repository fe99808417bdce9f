/**
 * Which k the graph of an inspection shows: the inspection's own thought count when it arrives,
 * then moved by `[` / `]` within the ks its node values cover (the inspector and Compare share it).
 */
import { ref, watch, type Ref } from 'vue';
import type { Inspection } from '../../../common/inspector';
import { clampStep } from '../lib/nodeValues';

export function useGraphStep(inspection: Ref<Inspection | null>): { step: Ref<number>; stepGraph: (delta: number) => void } {
  const step = ref(0);
  watch(inspection, (now) => {
    if (now?.node_values) step.value = clampStep(now.thoughts.length, now.node_values);
  });
  function stepGraph(delta: number): void {
    const values = inspection.value?.node_values;
    if (values) step.value = clampStep(step.value + delta, values);
  }
  return { step, stepGraph };
}
