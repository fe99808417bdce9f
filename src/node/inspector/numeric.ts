/** The few vector operations an inspection needs, on plain Float32Arrays (no tensor library). */

/** Softmax of `logits[offset .. offset+size)`, in float64 for a stable sum. */
export function softmax(logits: Float32Array, offset = 0, size = logits.length - offset): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < size; i++) max = Math.max(max, logits[offset + i] as number);
  const probs = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const e = Math.exp((logits[offset + i] as number) - max);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < size; i++) probs[i] = (probs[i] as number) / sum;
  return probs;
}

/** Indices of the `k` largest values, largest first (ties: the lower index first, as torch.topk on CPU tends to). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (best.length === k && v <= (values[best[k - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && (values[best[at - 1] as number] as number) < v) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export function argmax(values: ArrayLike<number>, offset = 0, size = values.length - offset): number {
  let best = 0;
  for (let i = 1; i < size; i++) if ((values[offset + i] as number) > (values[offset + best] as number)) best = i;
  return best;
}

/** Entropy in nats. */
export function entropy(probs: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.max(0, h);
}

export function l2norm(vector: Float32Array, offset = 0, size = vector.length - offset): number {
  let sum = 0;
  for (let i = 0; i < size; i++) sum += (vector[offset + i] as number) ** 2;
  return Math.sqrt(sum);
}
