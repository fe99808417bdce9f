/**
 * Exponential moving average with TensorBoard's debiasing, so the first points are not dragged
 * towards zero: s_n = w·s_{n-1} + (1-w)·x_n, shown as s_n / (1 - w^n).
 */
export class Ema {
  private biased = 0;
  private n = 0;

  constructor(readonly weight: number) {}

  push(x: number): number {
    if (!Number.isFinite(x)) return this.n === 0 ? x : this.value();
    this.biased = this.weight * this.biased + (1 - this.weight) * x;
    this.n += 1;
    return this.value();
  }

  value(): number {
    if (this.n === 0) return Number.NaN;
    if (this.weight === 0) return this.biased;
    return this.biased / (1 - this.weight ** this.n);
  }
}

export function smooth(values: readonly number[], weight: number): number[] {
  const ema = new Ema(weight);
  return values.map((x) => ema.push(x));
}
