// Training-time causal attention over whole sequences (grouped-query), saving the softmax
// probabilities: q, out [batch, T, nHead·hd]; k, v [batch, T, nKvHead·hd]; probs [batch, nHead, T, T].
// Forward: parallel over rows u = (b · nHead + h) · T + i. Backward: parallel over (b, kv head g),
// so each unit owns the dK/dV rows of its kv head and the dQ rows of the heads in its group.
import { softmaxInPlace } from './norm';
import { hsum, madd } from './simd';

function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let acc2 = acc;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i * 4;
    acc = madd(v128.load(a + o), v128.load(b + o), acc);
    acc2 = madd(v128.load(a + o, 16), v128.load(b + o, 16), acc2);
  }
  let s = hsum(f32x4.add(acc, acc2));
  for (; i < n; i++) s += load<f32>(a + <usize>i * 4) * load<f32>(b + <usize>i * 4);
  return s;
}

// out[0..n) += p · v[0..n)
function axpy(out: usize, p: f32, v: usize, n: i32): void {
  const vp = f32x4.splat(p);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, madd(vp, v128.load(v + o), v128.load(out + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(out + o) + p * load<f32>(v + o));
  }
}

export function attention_train_fwd(
  out: usize,
  probs: usize,
  q: usize,
  k: usize,
  v: usize,
  T: i32,
  nHead: i32,
  nKvHead: i32,
  hd: i32,
  scale: f32,
  r0: i32,
  r1: i32,
): void {
  const group = nHead / nKvHead;
  const qs = <usize>nHead * <usize>hd;
  const ks = <usize>nKvHead * <usize>hd;
  for (let u = r0; u < r1; u++) {
    const i = u % T;
    const bh = u / T;
    const h = bh % nHead;
    const b = bh / nHead;
    const g = h / group;
    const qr = q + ((<usize>b * T + i) * qs + <usize>h * hd) * 4;
    const kb = k + (<usize>b * T * ks + <usize>g * hd) * 4;
    const vb = v + (<usize>b * T * ks + <usize>g * hd) * 4;
    const pr = probs + <usize>u * <usize>T * 4;
    for (let j = 0; j <= i; j++) store<f32>(pr + <usize>j * 4, dot(qr, kb + <usize>j * ks * 4, hd) * scale);
    softmaxInPlace(pr, i + 1);
    for (let j = i + 1; j < T; j++) store<f32>(pr + <usize>j * 4, 0);
    const orow = out + ((<usize>b * T + i) * qs + <usize>h * hd) * 4;
    for (let d = 0; d < hd; d++) store<f32>(orow + <usize>d * 4, 0);
    for (let j = 0; j <= i; j++) axpy(orow, load<f32>(pr + <usize>j * 4), vb + <usize>j * ks * 4, hd);
  }
}

/** Units u = b · nKvHead + g. `scratch` + tid · scratchStride holds T floats of dP. */
export function attention_train_bwd(
  dq: usize,
  dk: usize,
  dv: usize,
  dout: usize,
  probs: usize,
  q: usize,
  k: usize,
  v: usize,
  T: i32,
  nHead: i32,
  nKvHead: i32,
  hd: i32,
  scale: f32,
  scratch: usize,
  scratchStride: i32,
  tid: i32,
  r0: i32,
  r1: i32,
): void {
  const group = nHead / nKvHead;
  const qs = <usize>nHead * <usize>hd;
  const ks = <usize>nKvHead * <usize>hd;
  const ds = scratch + <usize>tid * <usize>scratchStride;
  for (let u = r0; u < r1; u++) {
    const g = u % nKvHead;
    const b = u / nKvHead;
    const kvOff = (<usize>b * T * ks + <usize>g * hd) * 4;
    // Zero this unit's dK, dV rows and dQ rows of its heads.
    for (let j = 0; j < T; j++) {
      const o = <usize>j * ks * 4;
      for (let d = 0; d < hd; d++) {
        store<f32>(dk + kvOff + o + <usize>d * 4, 0);
        store<f32>(dv + kvOff + o + <usize>d * 4, 0);
      }
      for (let h = g * group; h < (g + 1) * group; h++) {
        const qo = dq + ((<usize>b * T + j) * qs + <usize>h * hd) * 4;
        for (let d = 0; d < hd; d++) store<f32>(qo + <usize>d * 4, 0);
      }
    }
    for (let h = g * group; h < (g + 1) * group; h++) {
      for (let i = 0; i < T; i++) {
        const pr = probs + ((<usize>b * nHead + h) * T + i) * <usize>T * 4;
        const row = ((<usize>b * T + i) * qs + <usize>h * hd) * 4;
        const go = dout + row;
        let dotp: f32 = 0;
        for (let j = 0; j <= i; j++) {
          const dp = dot(go, v + kvOff + <usize>j * ks * 4, hd);
          store<f32>(ds + <usize>j * 4, dp);
          const pj = load<f32>(pr + <usize>j * 4);
          dotp += dp * pj;
          axpy(dv + kvOff + <usize>j * ks * 4, pj, go, hd);
        }
        const qr = q + row;
        const dqr = dq + row;
        for (let j = 0; j <= i; j++) {
          const dsj = load<f32>(pr + <usize>j * 4) * (load<f32>(ds + <usize>j * 4) - dotp) * scale;
          axpy(dqr, dsj, k + kvOff + <usize>j * ks * 4, hd);
          axpy(dk + kvOff + <usize>j * ks * 4, dsj, qr, hd);
        }
      }
    }
  }
}
