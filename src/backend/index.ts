// Public backend API: the Backend interface, the JS reference backend, the WASM backend and
// createBackend (picks the fastest available).
export type {
  AdamWParams,
  AttentionParams,
  AttentionTrainParams,
  Backend,
  Buf,
  MatmulParams,
  RopeParams,
  Weight,
} from './backend.js';
export { type CreateBackendOptions, createBackend } from './create.js';
export { JsBackend, type JsBackendOptions } from './js/index.js';
export { WasmBackend } from './wasm/backend.js';
