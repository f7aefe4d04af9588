// The backend conformance suite (src/backend/conformance) on the WASM backend: the portable and
// the relaxed-SIMD build, each at 1 and 2 threads, against the JS reference backend.
import { defineConformanceTests } from '../conformance/conformance-node.js';
import { createWasmBackend } from './setup-node.js';

for (const build of ['simd', 'relaxed'] as const) {
  for (const threads of [1, 2]) {
    // Created up front (top-level await): the suite's factory is synchronous.
    const be = await createWasmBackend({ build, threads });
    defineConformanceTests(`wasm ${build}, ${threads} thread(s)`, () => be);
  }
}
