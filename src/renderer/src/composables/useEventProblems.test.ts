import { describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { EventLogReport } from '../../../common/runs';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useEventProblems } from './useEventProblems';

const report = (count: number): EventLogReport => ({ problems: count > 0 ? [{ line: 4, message: 'not valid JSON (x)' }] : [], count, lines: 10 });

describe('useEventProblems', () => {
  it('asks again when the run changes state, keeps only the latest answer, and shows nothing when the call fails', async () => {
    let count = 0;
    const slow: Array<() => void> = [];
    const api = fakeApi({
      'runs.eventProblems': (request) => {
        const { id } = request as { id: string };
        if (id === 'gone') throw new Error('no run with id gone');
        const answer = report(count);
        // The first answer arrives last: it must not replace the newer one.
        if (slow.length === 0 && count === 0) return new Promise((resolve) => slow.push(() => resolve(answer)));
        return answer;
      },
    });
    const id = ref('r1');
    const status = ref('running');
    const scope = effectScope();
    const problems = scope.run(() => useEventProblems(api, id, status))!;
    count = 2;
    status.value = 'completed';
    await nextTick();
    await settle();
    expect(problems.value?.count).toBe(2);
    slow[0]!();
    await settle();
    expect(problems.value?.count).toBe(2);
    expect(api.calls.map(([, request]) => request)).toEqual([{ id: 'r1' }, { id: 'r1' }]);

    id.value = 'gone';
    await nextTick();
    await settle();
    expect(problems.value).toBeNull();
    scope.stop();
  });
});
