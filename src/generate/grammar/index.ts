// JSON mode and JSON Schema constrained output.
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { JsonConstraint } from './constraint.js';
import type { MachineOptions } from './machine.js';
import { compileJsonSchema, type JsonSchema } from './schema.js';

export { JsonConstraint } from './constraint.js';
export { JsonMachine, type MachineOptions } from './machine.js';
export type { CompiledSchema } from './nodes.js';
export { compileJsonSchema, type JsonSchema } from './schema.js';
export { tokenTable } from './token-trie.js';
export { validateJson } from './validate.js';

/** A constraint sampler for JSON mode (`true`: any JSON object) or a JSON Schema. */
export function createJsonConstraint(
  tokenizer: Tokenizer,
  schema: true | JsonSchema,
  eogIds: Iterable<number>,
  opts: MachineOptions = {},
): JsonConstraint {
  return new JsonConstraint(
    tokenizer,
    compileJsonSchema(schema === true ? 'json-object' : schema),
    eogIds,
    opts,
  );
}
