/**
 * Which NVIDIA GPUs this machine has, with their memory and current use, read from `nvidia-smi`
 * (installed with the driver). Without it the inventory is empty and says why, which is what a
 * laptop or CI box without a GPU should show rather than an error.
 */
import { execFile } from 'node:child_process';
import type { Gpu, GpuInventory } from '../../common/api.js';

/** Fields in the order `--query-gpu` lists them. */
const QUERY = ['index', 'name', 'memory.total', 'memory.used', 'utilization.gpu'] as const;
const TIMEOUT_MS = 5000;
/** The problem of a machine without nvidia-smi: a state that does not change while the host runs. */
export const NVIDIA_SMI_MISSING = 'no GPU: nvidia-smi is not installed';

/** `nvidia-smi --format=csv,noheader,nounits` lines → GPUs; lines that do not parse are skipped. */
export function parseNvidiaSmi(text: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length !== QUERY.length) continue;
    const [index, name, total, used, utilization] = fields as [string, string, string, string, string];
    const numbers = [index, total, used, utilization].map(Number);
    // "[N/A]" (e.g. utilisation on some MIG or vGPU setups) reads as 0 rather than dropping the GPU.
    const [indexNumber, totalMib, usedMib, percent] = numbers.map((value) => (Number.isFinite(value) ? value : 0)) as [number, number, number, number];
    if (!/^\d+$/.test(index)) continue;
    gpus.push({ index: indexNumber, name, memory_total_mib: totalMib, memory_used_mib: usedMib, utilization_percent: Math.min(100, Math.max(0, percent)) });
  }
  return gpus;
}

export function readGpuInventory(command = 'nvidia-smi'): Promise<GpuInventory> {
  return new Promise((resolve) => {
    execFile(
      command,
      [`--query-gpu=${QUERY.join(',')}`, '--format=csv,noheader,nounits'],
      { timeout: TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          const detail = (stderr || error.message).trim().split('\n')[0];
          resolve({ gpus: [], problem: missing ? NVIDIA_SMI_MISSING : `nvidia-smi failed: ${detail}` });
          return;
        }
        const gpus = parseNvidiaSmi(stdout);
        resolve({ gpus, problem: gpus.length === 0 ? 'no GPU: nvidia-smi lists none' : null });
      },
    );
  });
}
