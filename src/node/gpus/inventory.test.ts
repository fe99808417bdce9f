import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { parseNvidiaSmi, readGpuInventory } from './inventory.js';

describe('GPU inventory', () => {
  it('reads nvidia-smi csv lines, keeping GPUs whose utilisation is not available', () => {
    const text = '0, NVIDIA H200, 143771, 1024, 37\n1, NVIDIA H200, 143771, 0, [N/A]\n\nnot a gpu line\n';
    expect(parseNvidiaSmi(text)).toEqual([
      { index: 0, name: 'NVIDIA H200', memory_total_mib: 143771, memory_used_mib: 1024, utilization_percent: 37 },
      { index: 1, name: 'NVIDIA H200', memory_total_mib: 143771, memory_used_mib: 0, utilization_percent: 0 },
    ]);
  });

  it('says there is no GPU when nvidia-smi is missing', async () => {
    const inventory = await readGpuInventory('/nonexistent/nvidia-smi');
    expect(inventory).toEqual({ gpus: [], problem: 'no GPU: nvidia-smi is not installed' });
  });

  it('runs the real command and reports its failure in one line', async () => {
    const dir = tempDir();
    try {
      const script = join(dir.path, 'nvidia-smi');
      writeFileSync(script, '#!/bin/sh\necho "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver." >&2\nexit 9\n');
      chmodSync(script, 0o755);
      const inventory = await readGpuInventory(script);
      expect(inventory.gpus).toEqual([]);
      expect(inventory.problem).toBe('nvidia-smi failed: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.');
    } finally {
      dir.remove();
    }
  });
});
