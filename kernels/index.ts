// AssemblyScript kernel module entry. Each kernel family lives in its own file and is
// re-exported here; scripts/build.mjs compiles this file twice (portable SIMD128 and relaxed SIMD).
export * from './activation_backward';
export * from './attention';
export * from './attention_train';
export * from './elementwise';
export * from './gemm';
export * from './kv_q8';
export * from './matvec';
export * from './norm';
export * from './norm_backward';
export * from './probe';
export * from './quant_act';
export * from './quant_q4_0';
export * from './quant_q4_k';
export * from './quant_q5_k';
export * from './quant_q6_k';
export * from './quant_q8_0';
export * from './repack';
export * from './rope';
export * from './train';

/** First byte after the module's static data: the JS-side allocator starts above it. */
export function heap_base(): usize {
  return __heap_base;
}
