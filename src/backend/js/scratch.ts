// Scratch space owned by a JsBackend. Arrays grow to the largest size ever asked for and are
// reused, so steady-state calls allocate nothing. Slots are numbered so one op can hold several.

export class Scratch {
  private readonly f64s: Float64Array[] = [];
  private f32a = new Float32Array(256);
  private u8a = new Uint8Array(1024);

  /** A Float64Array of at least n elements; distinct slots never alias. */
  f64(slot: number, n: number): Float64Array {
    let a = this.f64s[slot];
    if (a === undefined || a.length < n) {
      a = new Float64Array(grow(n));
      this.f64s[slot] = a;
    }
    return a;
  }

  f32(n: number): Float32Array {
    if (this.f32a.length < n) this.f32a = new Float32Array(grow(n));
    return this.f32a;
  }

  u8(n: number): Uint8Array {
    if (this.u8a.length < n) this.u8a = new Uint8Array(grow(n));
    return this.u8a;
  }
}

function grow(n: number): number {
  let c = 256;
  while (c < n) c *= 2;
  return c;
}
