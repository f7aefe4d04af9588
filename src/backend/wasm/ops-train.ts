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

export function layernormBackward(
  f: Float32Array,
  dx: number,
  dw: number,
  db: number,
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
    let s = 0;
    for (let i = 0; i < dim; i++) s += f[xo + i]!;
    const mean = s / dim;
    let v = 0;
    for (let i = 0; i < dim; i++) v += (f[xo + i]! - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / dim + eps);
    let mg = 0;
    let mgx = 0;
    for (let i = 0; i < dim; i++) {
      const g = f[go + i]! * (w >= 0 ? f[w + i]! : 1);
      const xh = (f[xo + i]! - mean) * rstd;
      mg += g;
      mgx += g * xh;
    }
    mg /= dim;
    mgx /= dim;
    for (let i = 0; i < dim; i++) {
      const xh = (f[xo + i]! - mean) * rstd;
      const g = f[go + i]! * (w >= 0 ? f[w + i]! : 1);
      if (dw >= 0) f[dw + i] = f[dw + i]! + f[go + i]! * xh;
      if (db >= 0) f[db + i] = f[db + i]! + f[go + i]!;
      f[dx + r * dim + i] = rstd * (g - mg - xh * mgx);
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

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function siluBackward(f: Float32Array, dx: number, dout: number, x: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = f[x + i]!;
    const s = sigmoid(v);
    f[dx + i] = f[dout + i]! * s * (1 + v * (1 - s));
  }
}

const GELU_C = Math.sqrt(2 / Math.PI);

export function geluBackward(f: Float32Array, dx: number, dout: number, x: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = f[x + i]!;
    const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
    const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
    f[dx + i] = f[dout + i]! * d;
  }
}

export function swigluBackward(
  f: Float32Array,
  dgate: number,
  dup: number,
  dout: number,
  gate: number,
  up: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = f[gate + i]!;
    const s = sigmoid(g);
    const d = f[dout + i]!;
    const u = f[up + i]!;
    f[dup + i] = d * g * s;
    f[dgate + i] = d * u * s * (1 + g * (1 - s));
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
