// The JS reference backend.
export { JsBackend, type JsBackendOptions } from './js-backend.js';
export { WEIGHT_TYPES as JS_WEIGHT_TYPES } from './linear.js';
