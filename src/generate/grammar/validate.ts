// A validator for the JSON Schema subset that schema.ts compiles (for tests and for callers that
// want to double-check output). Returns a list of error paths (empty when valid).
import type { JsonSchema } from './schema.js';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function typeOk(v: unknown, t: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObj(v);
    default:
      return false;
  }
}

export function validateJson(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema = schema,
  path = '',
): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: schema false`];
  const s = schema;
  const errs: string[] = [];
  if (typeof s.$ref === 'string') {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref);
    const defs =
      m && typeof root === 'object' ? (root[m[1]!] as Record<string, JsonSchema> | undefined) : undefined;
    const target = s.$ref === '#' ? root : defs?.[m![2]!];
    return target === undefined ? [`${path}: unresolved ${s.$ref}`] : validateJson(value, target, root, path);
  }
  if ('const' in s && !deepEqual(value, s.const)) errs.push(`${path}: const`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) errs.push(`${path}: enum`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = s[key];
    if (Array.isArray(alts)) {
      const ok = alts.filter((a) => validateJson(value, a as JsonSchema, root, path).length === 0).length;
      if (key === 'anyOf' ? ok === 0 : ok !== 1) errs.push(`${path}: ${key}`);
    }
  }
  if (Array.isArray(s.allOf))
    for (const a of s.allOf) errs.push(...validateJson(value, a as JsonSchema, root, path));
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeOk(value, t))) errs.push(`${path}: type ${JSON.stringify(s.type)}`);
  }
  if (typeof value === 'string') {
    const n = [...value].length;
    if (typeof s.minLength === 'number' && n < s.minLength) errs.push(`${path}: minLength`);
    if (typeof s.maxLength === 'number' && n > s.maxLength) errs.push(`${path}: maxLength`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errs.push(`${path}: minItems`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errs.push(`${path}: maxItems`);
    if (s.items !== undefined)
      value.forEach((v, i) => {
        errs.push(...validateJson(v, s.items as JsonSchema, root, `${path}/${i}`));
      });
  }
  if (isObj(value)) {
    const props = (isObj(s.properties) ? s.properties : {}) as Record<string, JsonSchema>;
    if (Array.isArray(s.required))
      for (const r of s.required) if (!(r in value)) errs.push(`${path}: required ${String(r)}`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errs.push(...validateJson(v, props[k]!, root, `${path}/${k}`));
      else if (s.additionalProperties === false) errs.push(`${path}: additional property ${k}`);
      else if (isObj(s.additionalProperties) || typeof s.additionalProperties === 'boolean')
        errs.push(...validateJson(v, s.additionalProperties as JsonSchema, root, `${path}/${k}`));
    }
  }
  return errs;
}
