// AdamW's decay groups: 'spec' follows each parameter's flag, 'ndim' (nanoGPT's rule) decays every
// tensor with ≥ 2 dimensions. Checked against the closed form of one step with a zero gradient:
// m = v = 0, so the update is only the decoupled decay p ← p·(1 − lr·wd).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParamStore } from '../autograd/params.js';
import { JsBackend } from '../backend/js/index.js';
import { ADAMW_DEFAULTS, AdamW } from './adamw.js';

function run(decayRule: 'spec' | 'ndim' | undefined): Map<string, number> {
  const be = new JsBackend();
  const params = new ParamStore(be);
  const specs = [
    { name: 'token_embd.weight', shape: [4, 2], decay: false },
    { name: 'blk.0.attn_q.weight', shape: [2, 2], decay: true },
    { name: 'blk.0.attn_norm.weight', shape: [2], decay: false },
  ];
  for (const s of specs) {
    const p = params.add(s, new Float32Array(s.shape.reduce((a, b) => a * b)).fill(2));
    p.grad = be.alloc(p.size * 4);
    be.fill(p.grad, 0, p.size);
    p.gradLive = true;
  }
  const opt = new AdamW(be, params, { ...ADAMW_DEFAULTS, weightDecay: 0.5, decayRule });
  opt.update(0.1);
  const out = new Map<string, number>();
  for (const [spec, p] of params.entries()) {
    const a = new Float32Array(p.size);
    be.read(p.data, a);
    out.set(spec.name, a[0]!);
  }
  opt.dispose();
  return out;
}

test("AdamW decay groups: 'spec' flags vs nanoGPT's ≥ 2-D rule", () => {
  const decayed = 2 * (1 - 0.1 * 0.5);
  for (const rule of [undefined, 'spec'] as const) {
    const r = run(rule);
    assert.equal(r.get('token_embd.weight'), 2);
    assert.ok(Math.abs(r.get('blk.0.attn_q.weight')! - decayed) < 1e-6);
    assert.equal(r.get('blk.0.attn_norm.weight'), 2);
  }
  const n = run('ndim');
  assert.ok(Math.abs(n.get('token_embd.weight')! - decayed) < 1e-6);
  assert.ok(Math.abs(n.get('blk.0.attn_q.weight')! - decayed) < 1e-6);
  assert.equal(n.get('blk.0.attn_norm.weight'), 2);
});
