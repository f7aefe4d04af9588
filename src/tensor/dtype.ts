// Data types: GGML tensor types with their exact block layouts, as stored in GGUF files.
// Ids are GGML's `enum ggml_type`; a GGUF tensor's type field holds these numbers.

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
}

export interface TypeTraits {
  readonly name: string;
  /** Elements per block (1 for plain types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /** A quantized block format (as opposed to a plain scalar type). */
  readonly quantized: boolean;
}

function t(name: string, blockSize: number, typeSize: number): TypeTraits {
  return { name, blockSize, typeSize, quantized: blockSize > 1 };
}

/** Byte layouts of every GGML type that can appear in a GGUF file (ggml.c `type_traits`). */
export const TYPE_TRAITS: ReadonlyMap<GgmlType, TypeTraits> = new Map([
  [GgmlType.F32, t('f32', 1, 4)],
  [GgmlType.F16, t('f16', 1, 2)],
  [GgmlType.BF16, t('bf16', 1, 2)],
  [GgmlType.F64, t('f64', 1, 8)],
  [GgmlType.I8, t('i8', 1, 1)],
  [GgmlType.I16, t('i16', 1, 2)],
  [GgmlType.I32, t('i32', 1, 4)],
  [GgmlType.I64, t('i64', 1, 8)],
  // 32-element blocks: f16 scale (and min), then packed quants.
  [GgmlType.Q4_0, t('q4_0', 32, 18)], // d f16, qs[16]
  [GgmlType.Q4_1, t('q4_1', 32, 20)], // d f16, m f16, qs[16]
  [GgmlType.Q5_0, t('q5_0', 32, 22)], // d f16, qh[4], qs[16]
  [GgmlType.Q5_1, t('q5_1', 32, 24)], // d f16, m f16, qh[4], qs[16]
  [GgmlType.Q8_0, t('q8_0', 32, 34)], // d f16, qs[32] int8
  [GgmlType.Q8_1, t('q8_1', 32, 36)], // d f16, s f16, qs[32] int8
  [GgmlType.IQ4_NL, t('iq4_nl', 32, 18)],
  // 256-element super-blocks (K-quants).
  [GgmlType.Q2_K, t('q2_k', 256, 84)],
  [GgmlType.Q3_K, t('q3_k', 256, 110)],
  [GgmlType.Q4_K, t('q4_k', 256, 144)], // d f16, dmin f16, scales[12], qs[128]
  [GgmlType.Q5_K, t('q5_k', 256, 176)], // d f16, dmin f16, scales[12], qh[32], qs[128]
  [GgmlType.Q6_K, t('q6_k', 256, 210)], // ql[128], qh[64], scales[16] int8, d f16
  [GgmlType.Q8_K, t('q8_k', 256, 292)], // d f32, qs[256] int8, bsums[16] int16
  [GgmlType.IQ2_XXS, t('iq2_xxs', 256, 66)],
  [GgmlType.IQ2_XS, t('iq2_xs', 256, 74)],
  [GgmlType.IQ3_XXS, t('iq3_xxs', 256, 98)],
  [GgmlType.IQ1_S, t('iq1_s', 256, 50)],
  [GgmlType.IQ3_S, t('iq3_s', 256, 110)],
  [GgmlType.IQ2_S, t('iq2_s', 256, 82)],
  [GgmlType.IQ4_XS, t('iq4_xs', 256, 136)],
  [GgmlType.IQ1_M, t('iq1_m', 256, 56)],
  [GgmlType.TQ1_0, t('tq1_0', 256, 54)],
  [GgmlType.TQ2_0, t('tq2_0', 256, 66)],
]);

export function typeTraits(type: GgmlType): TypeTraits {
  const tr = TYPE_TRAITS.get(type);
  if (tr === undefined) throw new RangeError(`unknown GGML type ${type}`);
  return tr;
}

export function typeName(type: GgmlType): string {
  return TYPE_TRAITS.get(type)?.name ?? `type${type}`;
}

/** Looks a type up by its lower-case name (`q4_k`, `f16`); undefined when unknown. */
export function typeByName(name: string): GgmlType | undefined {
  const lower = name.toLowerCase();
  for (const [type, tr] of TYPE_TRAITS) if (tr.name === lower) return type;
  return undefined;
}

/**
 * Bytes of one row of `n` elements. Returns undefined when `n` is not a whole number of blocks.
 * Plain arithmetic (no 32-bit bitwise ops), so it is exact for any size below 2^53.
 */
export function rowBytes(type: GgmlType, n: number): number | undefined {
  const tr = typeTraits(type);
  if (n % tr.blockSize !== 0) return undefined;
  return (n / tr.blockSize) * tr.typeSize;
}
