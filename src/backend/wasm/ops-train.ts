// Backward kernels of the WASM backend as plain loops over the f32 view of wasm memory (training
// only; f64 arithmetic like the JS reference). Arguments are element indices into `f`.

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
