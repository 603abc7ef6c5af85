// The int8 core's builds agree bit for bit (assembly/quant/q8.ts): the plain SIMD build, the
// relaxed build with the two-instruction dot (Node 20's V8 11.3, whose
// i32x4.relaxed_dot_i8x16_i7x16_add_s returns twice the products and drops the accumulator: the
// core tests it and steps around it) and with i32x4.relaxed_dot_i8x16_i7x16_add_s itself (Deno's
// V8 and Bun's JavaScriptCore compute it right). q8-builds-child.mjs runs every kernel on the same
// data in each runtime and hashes the outputs.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("q8-builds-child.mjs", import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

interface BuildResult {
  dot: number;
  hash: number;
  outputs: number;
  nonzero: number;
}
const run = (cmd: string, args: string[]) =>
  JSON.parse(execFileSync(cmd, [...args, child], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })) as {
    plain: BuildResult;
    relaxed: BuildResult;
  };

describe("int8 core builds", () => {
  it("plain, relaxed (two-instruction dot) and relaxed (dot with accumulator) give the same bits", () => {
    const node = run(process.execPath, ["--experimental-wasm-relaxed-simd"]);
    const deno = run(bin("deno"), ["run", "--quiet", "--no-prompt", "--allow-read"]);
    const bun = run(bin("bun"), []);
    // every kernel wrote something, so equal hashes compare real outputs
    expect(node.plain.outputs).toBe(16);
    expect(node.plain.nonzero).toBe(16);
    expect(node.plain.dot).toBe(0);
    expect(node.relaxed.dot).toBe(1); // V8 11.3 fails the accumulator check
    expect(deno.relaxed.dot).toBe(2);
    expect(bun.relaxed.dot).toBe(2);
    for (const r of [node.relaxed, deno.plain, deno.relaxed, bun.plain, bun.relaxed])
      expect(r.hash).toBe(node.plain.hash);
  }, 60_000);
});
