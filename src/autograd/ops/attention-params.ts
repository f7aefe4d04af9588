import type { AttentionTrainParams } from '../../backend/backend.js';

/** Attention parameters for a [batch, t] block with the usual 1/sqrt(headDim) scale. */
export function attentionParams(
  batch: number,
  t: number,
  nHead: number,
  nKvHead: number,
  headDim: number,
): AttentionTrainParams {
  return { batch, t, nHead, nKvHead, headDim, scale: 1 / Math.sqrt(headDim) };
}
