// Rotary embedding (the rotation; the angle table is built on the JS side).

/**
 * Rotary embedding, in place, tokens t in [r0, r1): x = [tokens, heads, hd] f32 with row stride
 * `stride` floats; rows[t] (i32) picks token t's row of the angle table cs (f32 values, exact
 * in f32: cos[half] then sin[half], the sign of an inverse rotation already applied). Pairs (2i, 2i+1), or (i, i + half)
 * when neox ≠ 0; dims ≥ 2·half pass through. f64 arithmetic rounded once to f32, as the JS loop
 * it replaces (src/backend/wasm/rope.ts builds the table with ggml's f32 angle recurrence).
 */
export function rope_apply(
  x: usize,
  cs: usize,
  rows: usize,
  heads: i32,
  hd: i32,
  half: i32,
  stride: i32,
  neox: i32,
  r0: i32,
  r1: i32,
): void {
  const step: usize = neox !== 0 ? 4 : 8; // bytes between the first elements of two pairs
  const gap: usize = neox !== 0 ? <usize>half * 4 : 4; // bytes from a pair's first to its second
  for (let t = r0; t < r1; t++) {
    const c = cs + <usize>load<i32>(rows + ((<usize>t) << 2)) * <usize>half * 8;
    const s = c + <usize>half * 4;
    for (let h = 0; h < heads; h++) {
      let p = x + ((<usize>t * <usize>stride + <usize>h * <usize>hd) << 2);
      for (let i = 0; i < half; i++) {
        const a = <f64>load<f32>(p);
        const b = <f64>load<f32>(p + gap);
        const ci = <f64>load<f32>(c + ((<usize>i) << 2));
        const si = <f64>load<f32>(s + ((<usize>i) << 2));
        store<f32>(p, <f32>(a * ci - b * si));
        store<f32>(p + gap, <f32>(a * si + b * ci));
        p += step;
      }
    }
  }
}
