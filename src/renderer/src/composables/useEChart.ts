/** Creates an ECharts instance on an element once it is mounted, resizes it with the element, disposes it. */
import { onBeforeUnmount, onMounted, shallowRef, type Ref, type ShallowRef } from 'vue';
import { echarts, type ECharts } from '../lib/echarts';

export function useEChart(el: Ref<HTMLElement | null>, onReady: (chart: ECharts) => void): ShallowRef<ECharts | null> {
  const chart = shallowRef<ECharts | null>(null);
  let observer: ResizeObserver | null = null;

  onMounted(() => {
    if (!el.value) return;
    const instance = echarts.init(el.value, null, { renderer: 'canvas' });
    chart.value = instance;
    observer = new ResizeObserver(() => instance.resize());
    observer.observe(el.value);
    onReady(instance);
  });

  onBeforeUnmount(() => {
    observer?.disconnect();
    chart.value?.dispose();
    chart.value = null;
  });

  return chart;
}
