// The LSTM kernel's optional trace (kept for the backward pass): per row and step, the
// activated gates i, f, c~, o, c_{t-1} and h_{t-1}. Checked against the same call's outputs (y and the cell
// sequence, which the Keras cases check): c_t = f c_{t-1} + i c~ and h_t = o act(c_t).
import { beforeAll, describe, expect, it } from "vitest";
import { ACTIVATION_IDS } from "../../src/core/activations.js";
import { arena } from "../../src/core/arena.js";
import { core, heapF32 } from "../../src/core/wasm.js";
import { ready } from "../../src/index.js";

beforeAll(async () => {
  await ready();
});

describe("lstm_forward trace", () => {
  for (const [act, rec] of [
    ["tanh", "sigmoid"],
    ["relu", "hard_sigmoid"],
  ] as const) {
    it(`holds the gates and previous cell state of every step (${act}/${rec}, goBackwards)`, () => {
      const k = core("test");
      const B = 3,
        T = 5,
        I = 4,
        H = 6,
        Hp = 8,
        G4 = 4 * Hp;
      const f = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 0.5);
      const sizes = {
        w: 4 * Hp * I,
        u: 4 * Hp * Hp,
        b: G4,
        x: B * T * I,
        h: B * Hp,
        c: B * Hp,
        xw: B * T * G4,
        z: B * G4,
        y: B * T * H,
        cs: B * T * H,
        tr: B * T * 6 * Hp,
      };
      const raw = { w: f(I * 4 * H, 1), u: f(H * 4 * H, 2), b: f(4 * H, 3) };
      const p: Record<string, number> = {};
      const rawP: Record<string, number> = {};
      try {
        for (const [name, n] of Object.entries(sizes)) p[name] = arena.alloc(n * 4);
        for (const [name, a] of Object.entries(raw)) rawP[name] = arena.alloc(a.length * 4);
        const heap = heapF32();
        for (const [name, a] of Object.entries(raw)) heap.set(a, rawP[name]! >> 2);
        heap.set(f(sizes.x, 4), p.x! >> 2);
        heap.fill(0, p.h! >> 2, (p.h! >> 2) + B * Hp);
        heap.fill(0, p.c! >> 2, (p.c! >> 2) + B * Hp);
        k.pack_gates(rawP.w!, I, H, 4, I, p.w!);
        k.pack_gates(rawP.u!, H, H, 4, Hp, p.u!);
        k.pack_gates(rawP.b!, 1, H, 4, 1, p.b!);
        k.lstm_forward(
          B,
          T,
          I,
          H,
          p.x!,
          p.w!,
          p.u!,
          p.b!,
          ACTIVATION_IDS[act],
          ACTIVATION_IDS[rec],
          1,
          p.h!,
          p.c!,
          p.xw!,
          p.z!,
          p.y!,
          p.cs!,
          p.tr!,
          0,
          0,
          0,
        );
        const h2 = heapF32();
        const at = (ptr: number, i: number) => h2[(ptr >> 2) + i]!;
        const actFn = act === "tanh" ? Math.tanh : (v: number) => Math.max(0, v);
        let worst = 0;
        for (let b = 0; b < B; b++) {
          for (let s = 0; s < T; s++) {
            const base = (b * T + s) * 6 * Hp;
            for (let u = 0; u < H; u++) {
              const g = u >> 2,
                l = u & 3;
              const gate = (q: number) => at(p.tr!, base + g * 16 + q * 4 + l);
              const cPrev = at(p.tr!, base + G4 + u);
              const cNow = at(p.cs!, (b * T + s) * H + u);
              const hNow = at(p.y!, (b * T + s) * H + u);
              const expectPrev = s === 0 ? 0 : at(p.cs!, (b * T + s - 1) * H + u);
              const hPrev = at(p.tr!, base + G4 + Hp + u);
              const expectHPrev = s === 0 ? 0 : at(p.y!, (b * T + s - 1) * H + u);
              worst = Math.max(
                worst,
                Math.abs(cPrev - expectPrev),
                Math.abs(hPrev - expectHPrev),
                Math.abs(gate(1) * cPrev + gate(0) * gate(2) - cNow),
                Math.abs(gate(3) * actFn(cNow) - hNow),
              );
              for (const q of [0, 1, 3]) expect(gate(q)).toBeGreaterThanOrEqual(0);
            }
          }
        }
        expect(worst).toBeLessThan(1e-6);
      } finally {
        for (const ptr of [...Object.values(p), ...Object.values(rawP)]) arena.free(ptr);
      }
    });
  }
});
