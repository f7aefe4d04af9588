// Learning-rate schedule: linear warm-up then cosine decay to a floor (nanoGPT's get_lr).

export interface ScheduleConfig {
  lr: number;
  minLr: number;
  warmupSteps: number;
  /** Step at which the cosine reaches minLr (usually maxSteps). */
  decaySteps: number;
}

/** Learning rate at 0-based step `it`. Pure function of the step (so resume is exact). */
export function learningRate(it: number, c: ScheduleConfig): number {
  if (it < c.warmupSteps) return (c.lr * (it + 1)) / (c.warmupSteps + 1);
  if (it >= c.decaySteps) return c.minLr;
  const ratio = (it - c.warmupSteps) / Math.max(1, c.decaySteps - c.warmupSteps);
  const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio));
  return c.minLr + coeff * (c.lr - c.minLr);
}
