// safetensors dtypes and their sizes in bits (safetensors `Dtype`).

export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64'
  | 'F8_E4M3'
  | 'F8_E5M2'
  | 'E8M0'
  | 'F4'
  | 'F6_E2M3'
  | 'F6_E3M2';

/** Bits per element of each dtype. */
export const SAFETENSORS_DTYPE_BITS: ReadonlyMap<SafetensorsDtype, number> = new Map<
  SafetensorsDtype,
  number
>([
  ['BOOL', 8],
  ['U8', 8],
  ['I8', 8],
  ['F8_E4M3', 8],
  ['F8_E5M2', 8],
  ['E8M0', 8],
  ['F4', 4],
  ['F6_E2M3', 6],
  ['F6_E3M2', 6],
  ['I16', 16],
  ['U16', 16],
  ['F16', 16],
  ['BF16', 16],
  ['I32', 32],
  ['U32', 32],
  ['F32', 32],
  ['F64', 64],
  ['I64', 64],
  ['U64', 64],
]);

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return SAFETENSORS_DTYPE_BITS.has(s as SafetensorsDtype);
}
