// How ConvBase's weights sit in wasm memory, apart from compute. Stage A's kernel, Keras's
// [K, C / G, FA]: depthwise (one group per channel, C > 1) as plain rows [K, FAp] for the direct
// depthwise kernel; otherwise spread into the full [K * C, FA] matrix (zero across groups) and
// packed in 16-column panels for the GEMM. Stage B's pointwise [FA, F] in panels; the bias [Fp].
import { core, heapF32 } from "../../core/wasm.js";
import { withStaging } from "../heap.js";

/** The sizes packing needs (ConvBase.geom). */
export interface ConvGeom {
  K: number;
  C: number;
  groups: number;
  FA: number;
  FAp: number;
  F: number;
  Fp: number;
  pointwise: boolean;
  useBias: boolean;
  /** One group per input channel (C > 1): the direct depthwise kernel, weights as rows [K, FAp]. */
  depthwise: boolean;
}

/** Floats of stage A's packed kernel. */
export const stageALength = (g: ConvGeom) => (g.depthwise ? g.K : g.K * g.C) * g.FAp;

/** Stage A's kernel [K, C / G, FA] spread into the full [K * C, FA] matrix (zero across groups). */
function fullKernel(g: ConvGeom, a: Float32Array): Float32Array {
  const { K, C, groups: G, FA } = g;
  if (G === 1) return a;
  const Cg = C / G,
    Fg = FA / G;
  const full = new Float32Array(K * C * FA);
  for (let k = 0; k < K; k++)
    for (let c = 0; c < Cg; c++)
      for (let f = 0; f < FA; f++) full[(k * C + Math.floor(f / Fg) * Cg + c) * FA + f] = a[(k * Cg + c) * FA + f]!;
  return full;
}

/** The inverse of fullKernel. */
function groupKernel(g: ConvGeom, full: Float32Array): Float32Array {
  const { K, C, groups: G, FA } = g;
  if (G === 1) return full;
  const Cg = C / G,
    Fg = FA / G;
  const a = new Float32Array(K * Cg * FA);
  for (let k = 0; k < K; k++)
    for (let c = 0; c < Cg; c++)
      for (let f = 0; f < FA; f++) a[(k * Cg + c) * FA + f] = full[(k * C + Math.floor(f / Fg) * Cg + c) * FA + f]!;
  return a;
}

/**
 * Zeroes, in a block packed as a grouped (not depthwise) stage A kernel, the entries across groups:
 * their gradients, so the full matrix's zeros stay zero under every optimizer.
 */
export function maskAcrossGroups(g: ConvGeom, ptr: number): void {
  const { C, groups: G, FA, FAp } = g;
  if (G === 1 || g.depthwise) return;
  const Kc = g.K * C,
    Cg = C / G,
    Fg = FA / G;
  const f32 = heapF32();
  const base = ptr >>> 2;
  for (let n = 0; n < FAp; n++) {
    const grp = Math.floor(n / Fg);
    const panel = base + (n >> 4) * Kc * 16 + (n & 15);
    for (let r = 0; r < Kc; r++) if (n >= FA || Math.floor((r % C) / Cg) !== grp) f32[panel + r * 16] = 0;
  }
}

/** Packs `values` (weightSpecs order) into `dst` [A, B or 0, bias or 0]; allocates only staging. */
export function packConv(who: string, g: ConvGeom, values: readonly Float32Array[], dst: readonly number[]): void {
  const k = core(who);
  const { K, FA, FAp, F, Fp } = g;
  const Kc = K * g.C;
  const b = g.pointwise ? values[1]! : null;
  const bias = g.useBias ? values[b ? 2 : 1]! : null;
  const f32 = heapF32();
  if (g.depthwise) {
    f32.fill(0, dst[0]! >>> 2, (dst[0]! >>> 2) + K * FAp);
    for (let r = 0; r < K; r++) f32.set(values[0]!.subarray(r * FA, (r + 1) * FA), (dst[0]! >>> 2) + r * FAp);
  }
  const full = g.depthwise ? new Float32Array(0) : fullKernel(g, values[0]!);
  withStaging([Math.max(full.length, b?.length ?? 0, 1) * 4], ([s]) => {
    const heap = heapF32();
    if (!g.depthwise) {
      heap.set(full, s! >>> 2);
      k.pack_panel16(s!, FA, Kc, FA, Kc, dst[0]!);
    }
    if (b && dst[1]) {
      heap.set(b, s! >>> 2);
      k.pack_panel16(s!, F, FA, F, FA, dst[1]);
    }
    if (dst[2]) {
      heap.fill(0, dst[2] >>> 2, (dst[2] >>> 2) + Fp);
      if (bias) heap.set(bias, dst[2] >>> 2);
    }
  });
}

/** The inverse of packConv: the weights in weightSpecs order. */
export function unpackConv(who: string, g: ConvGeom, a: number, b: number, bias: number): Float32Array[] {
  const k = core(who);
  const { K, FA, FAp, F } = g;
  const Kc = K * g.C;
  return withStaging([Math.max(Kc * FA, FA * F) * 4], ([s]) => {
    const out: Float32Array[] = [];
    if (g.depthwise) {
      const rows = new Float32Array(K * FA);
      const f32 = heapF32();
      for (let r = 0; r < K; r++) rows.set(f32.subarray((a >>> 2) + r * FAp, (a >>> 2) + r * FAp + FA), r * FA);
      out.push(rows);
    } else {
      k.unpack_panel16(a, Kc, FA, Kc, s!);
      out.push(groupKernel(g, heapF32().slice(s! >>> 2, (s! >>> 2) + Kc * FA)));
    }
    if (g.pointwise) {
      k.unpack_panel16(b, FA, F, FA, s!);
      out.push(heapF32().slice(s! >>> 2, (s! >>> 2) + FA * F));
    }
    if (g.useBias) out.push(heapF32().slice(bias >>> 2, (bias >>> 2) + F));
    return out;
  });
}
