// float16 (IEEE 754 binary16) for weights: rounding float32 values to the nearest float16 (ties to
// even, as numpy's astype(float16) and TF.js's converter), its bits for TF.js files, and the check
// that keeps a weight out of float16's range (65504) from turning into infinity.
import { WasmRnnError } from "../core/errors.js";

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits nearest to `value` (round half to even; NaN stays NaN, overflow becomes ±infinity). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  // unbiased exponent e; float16 normals have e in [-14, 15]
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // keep 10 of 23 mantissa bits, round the 13 dropped ones half to even (a carry may bump the exponent)
    let h = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
    return sign | h;
  }
  if (e < -25) return sign; // below half the smallest subnormal: zero
  // subnormal: value = mant' * 2^-24 with the implicit bit made explicit
  mant |= 0x800000;
  const shift = -e - 14 + 13; // 14..24 bits dropped
  let h = mant >>> shift;
  const rest = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && h & 1)) h++;
  return sign | h;
}

/** The value of float16 bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

/** The nearest float16 of every value, as float32 (exact: float16 values are float32 values). */
export function roundToFloat16(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = fromFloat16Bits(toFloat16Bits(values[i]!));
  return out;
}

/** Refuses a weight float16 cannot hold (|w| > 65504 would become infinity), naming it. */
export function checkFloat16Range(who: string, name: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Math.abs(v) > FLOAT16_MAX) {
      throw new WasmRnnError(
        `${who}: expected weights within float16's range (|w| <= ${FLOAT16_MAX}) for float16, got ${v} at index ${i} of ${name}`,
      );
    }
  }
}
