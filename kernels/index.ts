// AssemblyScript kernel module entry. Each kernel family lives in its own file and is
// re-exported here; scripts/build.mjs compiles this file twice (portable SIMD128 and relaxed SIMD).
export * from './probe';
