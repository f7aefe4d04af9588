// Hook to the quantized-weight kernels (quant-linear.ts, maintained with the quantized kernels):
// the backend only sees these three names.
export { quantLinear, quantLinearTypes, uploadQuantWeight } from './quant-linear.js';
