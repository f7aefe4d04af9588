// Backward kernels of the WASM backend as plain loops over the f32 view of wasm memory (training
// only; f64 arithmetic like the JS reference). Arguments are element indices into `f`.

export function rmsnormBackward(
  f: Float32Array,
  dx: number,
  dw: number,
  dout: number,
  x: number,
  w: number,
  rows: number,
  dim: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const xo = x + r * dim;
    const go = dout + r * dim;
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += f[xo + i]! * f[xo + i]!;
    const rs = 1 / Math.sqrt(ss / dim + eps);
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += f[go + i]! * (w >= 0 ? f[w + i]! : 1) * f[xo + i]!;
    const c = (dot * rs * rs * rs) / dim;
    for (let i = 0; i < dim; i++) {
      const g = f[go + i]! * (w >= 0 ? f[w + i]! : 1);
      if (dw >= 0) f[dw + i] = f[dw + i]! + f[go + i]! * f[xo + i]! * rs;
      f[dx + r * dim + i] = g * rs - f[xo + i]! * c;
    }
  }
}

export function softmaxBackward(
  f: Float32Array,
  dx: number,
  dout: number,
  y: number,
  rows: number,
  cols: number,
  scale: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += f[dout + o + j]! * f[y + o + j]!;
    for (let j = 0; j < cols; j++) f[dx + o + j] = f[y + o + j]! * (f[dout + o + j]! - dot) * scale;
  }
}

export function embeddingBackward(
  f: Float32Array,
  dtable: number,
  dout: number,
  ids: Int32Array,
  count: number,
  dim: number,
): void {
  for (let i = 0; i < count; i++) {
    const t = dtable + ids[i]! * dim;
    const s = dout + i * dim;
    for (let j = 0; j < dim; j++) f[t + j] = f[t + j]! + f[s + j]!;
  }
}
