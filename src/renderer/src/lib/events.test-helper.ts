/** Engine events for the renderer's tests. */
import type { StepEvent } from '../../../common/events';

/** Step `n` of a ten-step first epoch, at t = n seconds. */
export const stepEvent = (n: number): StepEvent => ({
  v: 1,
  t: n,
  type: 'step',
  stage: 0,
  epoch: 0,
  step: n,
  epoch_step: n,
  steps_in_epoch: 10,
  loss: 1 / n,
  lr: 1e-4,
  samples_per_s: 1,
  tokens_per_s: 1,
});
