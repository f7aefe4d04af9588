// Minimal typings of the WebAssembly JS API (the project's TypeScript lib set has no DOM/wasm
// declarations). `WA` is the runtime's global WebAssembly object seen through these types.

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}

/** A compiled module (opaque; structured-clonable to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmExportDescriptor {
  name: string;
  kind: string;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (d: WasmMemoryDescriptor) => WasmMemory;
  Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(m: WasmModule): WasmExportDescriptor[];
  };
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}

/** The global WebAssembly object, or undefined where the runtime has none. */
export const WA: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** A kernel export: wasm functions take and return numbers (i32/f32/f64). */
export type KernelFn = (...args: number[]) => number;

export const PAGE_BYTES = 65536;
/** wasm32 addresses at most 4 GiB: 65536 pages. */
export const MAX_PAGES = 65536;
