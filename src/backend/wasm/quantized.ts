// Hook to the quantized-weight kernels (quant-linear.ts, maintained with the quantized kernels):
// the backend only sees these names.
export { prepareQuantWeight, quantLinear, quantLinearTypes } from './quant-linear.js';
export { allocQuantWeight, commitQuantWeight, quantWeightBytes, uploadQuantWeight } from './quant-weight.js';
