import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LlmtsError, UsageError } from '../../errors.js';
import { sharedPath, skipUnlessShared } from '../../testing/shared.js';
import { loadTokenizer } from '../../tokenizers/load-node.js';
import { generateText } from '../generate.js';
import { Rng } from '../samplers/rng.js';
import { FakeModel, FakeTokenizer } from '../testing/fakes.js';
import {
  compileJsonSchema,
  createJsonConstraint,
  JsonMachine,
  type JsonSchema,
  validateJson,
} from './index.js';

const enc = new TextEncoder();

function accepts(schema: JsonSchema | 'json-object', text: string): boolean {
  const m = new JsonMachine(compileJsonSchema(schema));
  return m.feed(enc.encode(text)) && m.canEnd();
}

const SCHEMAS: JsonSchema[] = [
  {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 12 },
      age: { type: 'integer' },
      ok: { type: 'boolean' },
    },
    required: ['name', 'age'],
    additionalProperties: false,
  },
  { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 4 },
  { enum: ['red', 'green', 'blue', 12, null] },
  {
    type: 'object',
    properties: {
      kind: { const: 'point' },
      xy: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
      tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 5 }, maxItems: 3 },
      meta: {
        type: 'object',
        properties: { a: { type: ['string', 'null'] }, b: { $ref: '#/$defs/leaf' } },
        required: ['b'],
        additionalProperties: false,
      },
    },
    required: ['kind', 'xy', 'meta'],
    additionalProperties: false,
    $defs: {
      leaf: {
        type: 'object',
        properties: { v: { type: 'number' } },
        required: ['v'],
        additionalProperties: false,
      },
    },
  },
  { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
  { type: 'string', minLength: 2, maxLength: 6 },
  { type: 'object', properties: { id: { type: 'integer' }, v: { type: ['array', 'null'] } } },
];

describe('JSON automaton', () => {
  it('JSON mode accepts what JSON.parse accepts (objects), on mutated documents', () => {
    const docs = [
      '{"a": [1, 2.5e-3, -0, true, false, null, "x\\"y\\u00e9"], "b": {"c": {}}}',
      '{ "k" : "v" , "n" : -12.0E+2 }',
      '{"emoji":"😀","nested":[[[]]]}',
    ];
    const rng = new Rng(1);
    let checked = 0;
    for (const d of docs) {
      assert.ok(accepts('json-object', d), d);
      for (let i = 0; i < 400; i++) {
        const chars = [...d];
        const at = Math.floor(rng.nextFloat() * chars.length);
        const op = rng.nextFloat();
        const pool = '{}[]",:0123456789.-eE tfnrul\\ax';
        const ch = pool[Math.floor(rng.nextFloat() * pool.length)]!;
        if (op < 0.33) chars.splice(at, 1);
        else if (op < 0.66) chars.splice(at, 0, ch);
        else chars[at] = ch;
        const t = chars.join('');
        let ref: boolean;
        try {
          const v = JSON.parse(t);
          ref = typeof v === 'object' && v !== null && !Array.isArray(v);
        } catch {
          ref = false;
        }
        // Whitespace between tokens is limited on purpose (one space, or a newline and an indent);
        // skip texts with other runs.
        if ((t.match(/[ \t\n\r]+/g) ?? []).some((w) => !/^( |\n[ \t]{0,20})$/.test(w))) continue;
        assert.equal(accepts('json-object', t), ref, t);
        checked++;
      }
    }
    assert.ok(checked > 900, `${checked}`);
  });

  it('enforces the schema subset and agrees with the validator', () => {
    const cases: [number, string, boolean][] = [
      [0, '{"name":"Al","age":3}', true],
      [0, '{"age":3,"name":"Al","ok":true}', true],
      [0, '{"name":"Al"}', false], // missing required
      [0, '{"name":"Al","age":3.5}', false], // integer
      [0, '{"name":"Al","age":3,"x":1}', false], // additional
      [0, '{"name":"Al","age":3,"age":4}', false], // duplicate
      [0, '{"name":"abcdefghijklm","age":3}', false], // maxLength
      [1, '[1,2,3,4]', true],
      [1, '[]', false],
      [1, '[1,2,3,4,5]', false],
      [2, '"green"', true],
      [2, '12', true],
      [2, '1', false],
      [2, '"gre"', false],
      [2, 'null', true],
      [3, '{"kind":"point","xy":[1,2],"meta":{"b":{"v":1}}}', true],
      [3, '{"kind":"point","xy":[1,2],"meta":{"a":null,"b":{"v":-1e3}},"tags":["ab"]}', true],
      [3, '{"kind":"point","xy":[1],"meta":{"b":{"v":1}}}', false],
      [3, '{"kind":"point","xy":[1,2],"meta":{"b":{}}}', false],
      [3, '{"kind":"line","xy":[1,2],"meta":{"b":{"v":1}}}', false],
      [3, '{"kind":"point","xy":[1,2],"meta":{"b":{"v":1}},"tags":[""]}', false],
      [4, '{"id":1,"other":{"x":[1]}}', true],
      [4, '{"other":1}', false],
      [5, '"ab"', true],
      [5, '"a"', false],
      [5, '"a\\u00e9cd"', true],
    ];
    for (const [i, text, ok] of cases) {
      const schema = SCHEMAS[i]!;
      assert.equal(accepts(schema, text), ok, `schema ${i}: ${text}`);
      let parsed: unknown;
      let parses = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        parses = false;
      }
      // The validator agrees except for duplicate keys (JSON.parse keeps the last one).
      if (parses && !text.includes('"age":3,"age"'))
        assert.equal(validateJson(parsed, schema).length === 0, ok, text);
    }
  });

  it('rejects bad schemas with the path, and unsupported ambiguous unions', () => {
    assert.throws(() => compileJsonSchema({ type: 'strin' }), /\/type/);
    assert.throws(() => compileJsonSchema({ enum: [] }), /enum/);
    assert.throws(
      () => compileJsonSchema({ type: 'object', properties: { a: { type: 'array', minItems: -1 } } }),
      /properties\/a/,
    );
    assert.throws(() => compileJsonSchema({ anyOf: [{ type: 'string' }, { const: 'x' }] }), /same character/);
    assert.deepEqual(compileJsonSchema({ type: 'string', 'x-vendor': 1, description: 'd' }).ignored, [
      '/x-vendor',
    ]);
  });

  it('refuses keywords it would not enforce, naming the keyword and its path', () => {
    const refused: [JsonSchema, string, string][] = [
      [{ type: 'string', format: 'email' }, 'format', '/format'],
      [
        { type: 'object', properties: { a: { type: 'string', pattern: '^a+$' } } },
        'pattern',
        '/properties/a/pattern',
      ],
      [{ type: 'integer', minimum: 0 }, 'minimum', '/minimum'],
      [{ type: 'number', maximum: 9 }, 'maximum', '/maximum'],
      [{ type: 'number', exclusiveMinimum: 0 }, 'exclusiveMinimum', '/exclusiveMinimum'],
      [{ type: 'integer', multipleOf: 2 }, 'multipleOf', '/multipleOf'],
      [{ type: 'array', uniqueItems: true }, 'uniqueItems', '/uniqueItems'],
      [{ type: 'object', patternProperties: { '^x': {} } }, 'patternProperties', '/patternProperties'],
      [{ not: { type: 'null' } }, 'not', '/not'],
      [JSON.parse('{"if":{"type":"string"},"then":{"minLength":1}}'), 'if', '/if'],
      [JSON.parse('{"type":"string","else":{"maxLength":1}}'), 'else', '/else'],
      [{ type: 'object', dependentRequired: { a: ['b'] } }, 'dependentRequired', '/dependentRequired'],
      [{ type: 'array', items: { type: 'string', format: 'date' } }, 'format', '/items/format'],
      [{ $defs: { a: { type: 'string', pattern: 'x' } }, $ref: '#/$defs/a' }, 'pattern', '/$defs/a/pattern'],
      // Supported keywords where they would be dropped.
      [{ $defs: { a: { type: 'string' } }, $ref: '#/$defs/a', maxLength: 3 }, 'maxLength', '/maxLength'],
      [{ anyOf: [{ type: 'string' }, { type: 'null' }], minLength: 2 }, 'minLength', '/minLength'],
      [{ enum: ['a', 'bb'], maxLength: 1 }, 'maxLength', '/maxLength'],
    ];
    for (const [schema, key, path] of refused) {
      assert.throws(
        () => compileJsonSchema(schema),
        (e: unknown) =>
          e instanceof UsageError &&
          e.field === path &&
          e.message.includes(`"${key}"`) &&
          e.message.includes(path),
        `${JSON.stringify(schema)} must be refused at ${path}`,
      );
    }
    // Pure annotations stay accepted.
    const annotated = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/s',
      title: 't',
      description: 'd',
      default: 'x',
      examples: ['x'],
      type: 'string',
      maxLength: 3,
    };
    assert.deepEqual(compileJsonSchema(annotated).ignored, []);
    // String/array bounds without a type mean that type (never a wider grammar).
    assert.ok(accepts({ maxLength: 2 }, '"ab"'));
    assert.ok(!accepts({ maxLength: 2 }, '"abc"'));
    assert.ok(!accepts({ maxLength: 2 }, '123'));
    // enum/const with type keep the values of that type only.
    assert.ok(accepts({ type: 'string', enum: ['a', 1, null] }, '"a"'));
    assert.ok(!accepts({ type: 'string', enum: ['a', 1, null] }, '1'));
    assert.throws(() => compileJsonSchema({ type: 'string', const: 1 }), UsageError);
  });

  it('a $ref loop that reads nothing is a UsageError, recursion through objects is fine', () => {
    const loops: JsonSchema[] = [
      { $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/a' } } },
      { $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } } },
      { $ref: '#' },
      { anyOf: [{ $ref: '#' }, { type: 'string' }] },
      { $defs: { a: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' },
    ];
    for (const schema of loops)
      assert.throws(
        () => compileJsonSchema(schema),
        (e: unknown) => e instanceof UsageError && /\$ref .* refers to itself/.test(e.message),
        JSON.stringify(schema),
      );
    const tree = {
      $defs: {
        node: {
          type: 'object',
          properties: { v: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['v'],
          additionalProperties: false,
        },
      },
      $ref: '#/$defs/node',
    };
    assert.ok(accepts(tree, '{"v":1,"kids":[{"v":2,"kids":[]}]}'));
  });

  it('hostile schemas never throw a plain Error', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.properties = { a: cyclic };
    const weird: unknown[] = [cyclic, { enum: [1n] }, { const: cyclic }, [], 'x', null, { type: 7 }];
    for (const schema of weird)
      assert.throws(
        () => compileJsonSchema(schema as JsonSchema),
        (e: unknown) => e instanceof LlmtsError,
        String(schema),
      );
  });
});

// A vocabulary with JSON-ish multi-byte tokens on top of the 256 bytes.
const PIECES = [
  '{"',
  '":',
  '", "',
  '"}',
  '},',
  '{}',
  '[]',
  '[',
  ']',
  'true',
  'false',
  'null',
  'name',
  'age',
  'kind',
  'point',
  'xy',
  'meta',
  'tags',
  ' "',
  '",',
  '12',
  '0.5',
  'e-',
  'red',
  'green',
  'blue',
  '\\n',
  '\\"',
  '\\u00',
  'ab',
  'é',
  ' ',
  ',',
  ':',
];

describe('JSON-schema constrained generation', () => {
  it('200 seeded generations from a random model all parse and validate', async () => {
    const tok = new FakeTokenizer(PIECES);
    // Favour structural tokens so that random text terminates.
    const bias = new Float32Array(tok.vocabSize);
    for (const p of [',', '", "', '",']) bias[tok.tokenToId(p) ?? p.charCodeAt(0)] = 2;
    for (const p of ['"', '}', ']', '"}']) bias[tok.tokenToId(p) ?? p.charCodeAt(0)] = 6;
    bias[tok.eosId] = 3;
    const model = new FakeModel(tok, tok.vocabSize, { seed: 99, scale: 2, bias, contextLength: 4096 });
    // Schema 4 is left out: a random model practically never spells its required free-form key.
    const all: (JsonSchema | true)[] = [...SCHEMAS.filter((_, i) => i !== 4), true];
    let n = 0;
    for (let seed = 0; seed < 200; seed++) {
      const schema = all[seed % all.length]!;
      const r = await generateText(model, [tok.bosId], {
        json: schema,
        seed,
        temperature: 1,
        topK: 0,
        topP: 1,
        minP: 0,
        maxTokens: 3000,
      });
      assert.equal(r.finishReason, 'stop', `seed ${seed}: did not finish: ${r.text.slice(0, 200)}`);
      let value: unknown;
      assert.doesNotThrow(() => {
        value = JSON.parse(r.text);
      }, `seed ${seed}: ${r.text}`);
      if (schema === true) assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
      else assert.deepEqual(validateJson(value, schema), [], `seed ${seed}: ${r.text}`);
      n++;
    }
    assert.equal(n, 200);
  });

  it('the mask equals a brute-force check of every token', () => {
    const tok = new FakeTokenizer(PIECES);
    const c = createJsonConstraint(tok, SCHEMAS[3]!, [tok.eosId]);
    const prefix = '{"kind":"point","meta":{"b":{"v":1';
    assert.ok(c.machine.feed(enc.encode(prefix)));
    for (const extra of ['', '}', '},"a":"x', '},"a":nu']) {
      const m = new JsonMachine(compileJsonSchema(SCHEMAS[3]!));
      assert.ok(m.feed(enc.encode(prefix + extra)), extra);
      c.machine.reset();
      c.machine.feed(enc.encode(prefix + extra));
      c.computeMask();
      for (let id = 0; id < tok.vocabSize; id++) {
        if (tok.isSpecial(id)) continue;
        const probe = new JsonMachine(compileJsonSchema(SCHEMAS[3]!));
        probe.feed(enc.encode(prefix + extra));
        const ok = probe.feed(tok.tokenBytes(id));
        assert.equal(
          c.allowed[id],
          ok ? 1 : 0,
          `${JSON.stringify(prefix + extra)} + ${JSON.stringify(tok.idToToken(id))}`,
        );
      }
    }
  });

  it('the mask equals a brute-force check on the real Llama-3 vocabulary (128k)', {
    skip: skipUnlessShared('data', 'tokenizers', 'llama3', 'tokenizer.json'),
  }, () => {
    const tok = loadTokenizer(sharedPath('data', 'tokenizers', 'llama3', 'tokenizer.json')!);
    const schema = SCHEMAS[3]!;
    const c = createJsonConstraint(tok, schema, [...tok.eogIds]);
    const probe = new JsonMachine(compileJsonSchema(schema));
    const saved = new Int32Array(probe.stateSize);
    for (const prefix of [
      '',
      '{"kind":"point","tags":["ab',
      '{"kind":"point","meta":{"a":"x\\u00e',
      '{"xy":[1, -2',
      '{"kind":"point","xy":[1,2],"meta":{"b":{"v":1}}',
    ]) {
      c.machine.reset();
      assert.ok(c.machine.feed(enc.encode(prefix)), prefix);
      c.computeMask();
      probe.reset();
      probe.feed(enc.encode(prefix));
      probe.save(saved);
      let allowed = 0;
      for (let id = 0; id < tok.vocabSize; id++) {
        if (tok.isSpecial(id)) continue;
        probe.restore(saved);
        const bytes = tok.tokenBytes(id);
        const ok = bytes.length > 0 && probe.feed(bytes);
        assert.equal(c.allowed[id], ok ? 1 : 0, `${JSON.stringify(prefix)} + token ${id}`);
        allowed += ok ? 1 : 0;
      }
      assert.ok(allowed > 0, prefix);
    }
  });
});
