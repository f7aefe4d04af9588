// JSON with limits (size, depth, duplicate keys) and typed field getters. readJsonFile is in
// json-node.ts (Node only).
export * from './json.js';
export * from './scan.js';
