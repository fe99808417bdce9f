import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import { ApiError, type DatasetRecordView } from '../../../common/api';
import { RECORDS_PER_PAGE, useDatasetBrowser } from './useDatasetBrowser';
import { fakeApi, settle } from './fakeApi.test-helper';
import { usePagedRecords } from './usePagedRecords';

const record = (index: number): DatasetRecordView => ({ index, question: `q${index}`, steps: [], answer: `a${index}` });
const all = Array.from({ length: 45 }, (_, i) => record(i));
const pageOf = (request: { query: string; offset: number; limit: number }) => {
  const matching = all.filter((r) => r.question.includes(request.query));
  return { total: matching.length, records: matching.slice(request.offset, request.offset + request.limit) };
};

describe('usePagedRecords', () => {
  it('keeps the highlight on a new page that still shows it, lists nothing without a source, and keeps or empties the list on an error', async () => {
    let source: 'ok' | 'none' | 'fails' = 'ok';
    const fetch = (request: { query: string; offset: number; limit: number }) =>
      source === 'none' ? null : source === 'fails' ? Promise.reject(new Error('gone')) : Promise.resolve(pageOf(request));
    const scope = effectScope();
    const kept = scope.run(() => usePagedRecords(fetch, { perPage: 10, searchDelayMs: 5 }))!;
    const cleared = scope.run(() => usePagedRecords(fetch, { perPage: 10, clearOnError: true }))!;
    kept.reset();
    cleared.reset();
    await settle();
    kept.move(3);
    expect(kept.highlightedRecord.value?.index).toBe(3);
    kept.query.value = 'q3';
    await settle(15);
    expect(kept.total.value).toBe(11);
    expect(kept.records.value.map((r) => r.index)).toEqual([3, 30, 31, 32, 33, 34, 35, 36, 37, 38]);
    expect(kept.highlighted.value).toBe(3);

    source = 'fails';
    kept.reset();
    cleared.reset();
    await settle();
    expect(kept.error.value).toBe('gone');
    expect(kept.records.value).toHaveLength(10);
    expect(cleared.error.value).toBe('gone');
    expect(cleared.records.value).toEqual([]);
    expect(cleared.total.value).toBe(0);

    source = 'none';
    kept.reset();
    await settle();
    expect(kept.records.value).toEqual([]);
    expect(kept.loading.value).toBe(false);
    expect(kept.highlighted.value).toBeNull();
    scope.stop();
  });
});

describe('useDatasetBrowser', () => {
  it('loads the statistics and the first page of a split, and starts over when the split changes', async () => {
    const api = fakeApi({
      'datasets.stats': () => {
        throw new ApiError('not_found', 'no statistics');
      },
      'datasets.records': (request) => ({ ...pageOf(request as { query: string; offset: number; limit: number }), offset: 0 }),
    });
    const dataset = ref<string | null>('d');
    const split = ref<string | null>('train');
    const scope = effectScope();
    const browser = scope.run(() => useDatasetBrowser(api, dataset, split))!;
    await settle();
    expect(browser.statsError.value).toBe('no statistics');
    expect(browser.records.value).toHaveLength(RECORDS_PER_PAGE);
    expect(browser.pageCount.value).toBe(3);
    browser.nextPage();
    await settle();
    expect(browser.highlighted.value).toBe(RECORDS_PER_PAGE);
    expect(api.calls.at(-1)).toEqual(['datasets.records', { name: 'd', split: 'train', query: '', offset: RECORDS_PER_PAGE, limit: RECORDS_PER_PAGE }]);

    split.value = 'valid';
    await settle();
    expect(browser.page.value).toBe(0);
    expect(browser.highlighted.value).toBe(0);
    dataset.value = null;
    await settle();
    expect(browser.records.value).toEqual([]);
    expect(browser.stats.value).toBeNull();
    scope.stop();
  });
});
