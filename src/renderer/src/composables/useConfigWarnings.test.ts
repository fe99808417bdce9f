import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useConfigWarnings } from './useConfigWarnings';

const TRAP = { path: 'resume', message: 'resume is 1 but load_model_path names no checkpoint' };

describe('useConfigWarnings', () => {
  it("shows the host's warnings for the text as it settled, and none for a text that has none", async () => {
    const api = fakeApi({
      'config.check': (request) => {
        const text = (request as { config_yaml: string }).config_yaml;
        return { ok: true, issues: [], warnings: text.includes('resume: 1') ? [TRAP] : [], resolved_yaml: null, method: 'coconut' };
      },
    });
    const text = ref('resume: 1\n');
    const scope = effectScope();
    const warnings = scope.run(() => useConfigWarnings(api, text, { delayMs: 0 }))!;
    await settle(5);
    expect(warnings.value).toEqual([TRAP]);
    text.value = 'load_model_path: /c.pt\nresume: 0\n';
    await settle(5);
    expect(warnings.value).toEqual([]);
    scope.stop();
  });

  it('asks once for a burst of edits, and shows nothing when the check fails', async () => {
    const api = fakeApi({
      'config.check': () => {
        throw new Error('host gone');
      },
    });
    const text = ref('a: 1\n');
    const scope = effectScope();
    const warnings = scope.run(() => useConfigWarnings(api, text, { delayMs: 10 }))!;
    text.value = 'a: 2\n';
    text.value = 'a: 3\n';
    await settle(30);
    expect(api.calls).toEqual([['config.check', { config_yaml: 'a: 3\n' }]]);
    expect(warnings.value).toEqual([]);
    scope.stop();
  });
});
