import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../common/api.js';
import type { BundleManifest } from '../../common/inspector.js';
import { tempDir } from '../testing/fixtures.js';
import { describeTargets, isStale, listCheckpoints, resolveCheckpoint } from './runTargets.js';

let run: { path: string; remove(): void };
beforeEach(() => {
  run = tempDir('coconut-targets-');
});
afterEach(() => run.remove());

function checkpoint(name: string): string {
  mkdirSync(join(run.path, 'checkpoints'), { recursive: true });
  const path = join(run.path, 'checkpoints', name);
  writeFileSync(path, name);
  return path;
}

describe("a run's checkpoints", () => {
  it('lists best, last (the latest epoch by number, not by name) and every epoch', () => {
    checkpoint('epoch-2.pt');
    checkpoint('epoch-10.pt');
    checkpoint('best.pt');
    expect(listCheckpoints(run.path).map((ref) => ref.label)).toEqual(['best', 'last', 'epoch-10', 'epoch-2']);
    expect(resolveCheckpoint(run.path, 'last').file).toBe(join(run.path, 'checkpoints', 'epoch-10.pt'));
    expect(resolveCheckpoint(run.path, 'epoch-2.pt').label).toBe('epoch-2');
  });

  it('takes a path to another checkpoint file only where files are allowed (the command line, not the API)', () => {
    checkpoint('best.pt');
    const elsewhere = join(run.path, 'other.pt');
    writeFileSync(elsewhere, 'x');
    expect(() => resolveCheckpoint(run.path, elsewhere)).toThrow(/no checkpoint/);
    expect(resolveCheckpoint(run.path, elsewhere, { allowFiles: true })).toMatchObject({ label: 'other', file: elsewhere });
  });

  it('says plainly when there is no checkpoint yet, or no such one', () => {
    expect(() => resolveCheckpoint(run.path, 'best')).toThrow(/has no checkpoint yet/);
    checkpoint('epoch-1.pt');
    const error = (() => {
      try {
        resolveCheckpoint(run.path, 'best');
      } catch (thrown) {
        return thrown as ApiError;
      }
      return null;
    })();
    expect(error?.code).toBe('not_found');
    expect(error?.message).toMatch(/no checkpoint "best" .*\(have: last, epoch-1\)/);
    expect(describeTargets('r', run.path, 'coconut').problem).toBeNull();
  });

  it('calls a bundle stale when its checkpoint was rewritten since the export', () => {
    const file = checkpoint('best.pt');
    const source = { checkpoint_path: file, checkpoint_bytes: 7, checkpoint_mtime_ms: 1_700_000_000_000 };
    utimesSync(file, new Date(source.checkpoint_mtime_ms), new Date(source.checkpoint_mtime_ms));
    const manifest = { source, frontier_supervision: false } as unknown as BundleManifest;
    expect(isStale(manifest, file)).toBe(false);
    // A bundle from before the manifest said whether the model is frontier-supervised is exported again.
    expect(isStale({ ...manifest, frontier_supervision: null }, file)).toBe(true);
    writeFileSync(file, 'retrained');
    expect(isStale(manifest, file)).toBe(true);
  });
});
