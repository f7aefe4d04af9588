// llmts: the public entry point. Subpath exports (`llmts/tokenizers`, `llmts/models`, ...) give
// narrower imports; this module re-exports the most used pieces.

export type * from './backend/backend.js';
export * from './errors.js';
export * from './tensor/dtype.js';
