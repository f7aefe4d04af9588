// A trivial export so the module always has one function (used by the loader's self-check).
export function llmts_abi_version(): i32 {
  return 1;
}
