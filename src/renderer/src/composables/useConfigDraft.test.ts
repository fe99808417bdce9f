import { describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { ApiError } from '../../../common/api';
import type { RunSummary } from '../../../common/runs';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useConfigDraft } from './useConfigDraft';

const TEMPLATE = '# template\nname: t\ncoconut: true\ntrain_path: a.json\nval_path: b.json\nnum_epochs: 3\n';

const created = { id: 'new-run', name: 't' } as RunSummary;

function draftWith(handlers: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({ 'config.template': () => ({ config_yaml: TEMPLATE }), ...handlers });
  const scope = effectScope();
  const draft = scope.run(() => useConfigDraft(api, { hostCheckDelayMs: 0 }))!;
  return { api, draft, scope };
}

describe('useConfigDraft', () => {
  it('keeps form and YAML in step both ways', async () => {
    const { draft, scope } = draftWith({ 'config.check': () => ({ ok: true, issues: [], warnings: [], resolved_yaml: null, method: 'coconut' }) });
    await draft.loadTemplate('coconut');
    expect(draft.drafts.num_epochs).toBe('3');
    draft.setField('num_epochs', '8');
    expect(draft.text.value).toContain('num_epochs: 8');
    expect(draft.text.value).toContain('# template');
    draft.setText(draft.text.value.replace('name: t', 'name: renamed'));
    expect(draft.drafts.name).toBe('renamed');
    expect(draft.dirty.value).toBe(true);
    await settle(5);
    expect(draft.hostState.value).toBe('ok');
    scope.stop();
  });

  it('shows local problems next to the field and does not submit', async () => {
    const { draft, api, scope } = draftWith({});
    await draft.loadTemplate('coconut');
    draft.setField('batch_size_training', '-2');
    expect(draft.issues.value.map((i) => i.path)).toEqual(['batch_size_training']);
    expect(await draft.submit()).toBeNull();
    expect(draft.submitError.value).toMatch(/Fix 1 problem/);
    expect(api.calls.some(([m]) => m === 'runs.create')).toBe(false);
    scope.stop();
  });

  it('keeps the form read-only while the YAML does not parse', async () => {
    const { draft, scope } = draftWith({});
    await draft.loadTemplate('coconut');
    draft.setText('name: [broken\n');
    expect(draft.yamlBroken.value).toBe(true);
    draft.setField('num_epochs', '9');
    expect(draft.text.value).toBe('name: [broken\n');
    scope.stop();
  });

  it('puts host issues on fields when the check or the create fails', async () => {
    let checkOk = false;
    const { draft, scope } = draftWith({
      'config.check': () => ({ ok: checkOk, issues: checkOk ? [] : [{ path: 'train_path', message: 'no such file' }], warnings: [], resolved_yaml: null, method: null }),
      'runs.create': () => {
        throw new ApiError('invalid_config', 'engine said no', [{ path: 'num_epochs', message: 'too many' }]);
      },
    });
    await draft.loadTemplate('coconut');
    expect(await draft.submit()).toBeNull();
    expect(draft.hostIssues.value.map((i) => [i.path, i.message])).toEqual([['train_path', 'no such file']]);
    expect(draft.hostIssues.value[0]!.range).not.toBeNull();
    checkOk = true;
    expect(await draft.submit()).toBeNull();
    expect(draft.submitError.value).toBe('engine said no');
    expect(draft.hostIssues.value.map((i) => i.path)).toEqual(['num_epochs']);
    scope.stop();
  });

  it('marks the host\'s warnings as warnings on their key, and still creates the run', async () => {
    const { draft, scope } = draftWith({
      'config.check': () => ({ ok: true, issues: [], warnings: [{ path: 'num_epochs', message: 'resume is 1 but load_model_path names no checkpoint' }], resolved_yaml: null, method: 'coconut' }),
      'runs.create': () => created,
    });
    await draft.loadTemplate('coconut');
    await settle(5);
    expect(draft.hostIssues.value.map((i) => [i.path, i.severity])).toEqual([['num_epochs', 'warning']]);
    expect(draft.hostIssues.value[0]!.range).not.toBeNull();
    expect(await draft.submit()).toEqual(created);
    scope.stop();
  });

  it('returns the created run', async () => {
    const { draft, api, scope } = draftWith({
      'config.check': () => ({ ok: true, issues: [], warnings: [], resolved_yaml: null, method: 'coconut' }),
      'runs.create': () => created,
    });
    await draft.loadTemplate('coconut');
    expect(await draft.submit()).toEqual(created);
    expect(api.calls.find(([m]) => m === 'runs.create')?.[1]).toEqual({ config_yaml: TEMPLATE });
    scope.stop();
  });

  it('falls back to a minimal config when the host has no template', async () => {
    const { draft, scope } = draftWith({
      'config.template': () => {
        throw new ApiError('not_found', 'no preset');
      },
    });
    await draft.loadTemplate('cot');
    expect(draft.drafts.method).toBe('cot');
    expect(draft.submitError.value).toMatch(/no preset/);
    expect(draft.issues.value.map((i) => i.path).sort()).toEqual(['train_path', 'val_path']);
    scope.stop();
  });
});
