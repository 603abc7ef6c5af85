// Every TypeScript and JavaScript block of the README compiles under `tsc --strict`, with
// "wasm-rnn" mapped to src/index.ts (test/helpers/typecheck.ts), so the guide cannot drift from
// the types. Shell, HTML and text blocks are not checked.
//
// Markers, an HTML comment on the lines right before a block's fence (invisible on the page):
//   <!-- typecheck prelude: <code> -->  code put before the block: declarations of what the block
//                                       takes from its context (the reader's data, an earlier block's
//                                       tensors), e.g. `declare const xs: Tensor;`
//   <!-- typecheck skip: <reason> -->   the block is not checked (a sketch with elided parts); keep rare
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type CheckedError, typecheck } from "./helpers/typecheck.js";

const README = join(dirname(fileURLToPath(import.meta.url)), "..", "README.md");

interface Block {
  /** README line of the first code line (1-based). */
  line: number;
  lang: "ts" | "js";
  code: string;
  prelude: string;
  skip?: string;
}

const LANGS: Record<string, "ts" | "js"> = { ts: "ts", typescript: "ts", js: "js", javascript: "js", mjs: "js" };
const MARKER = /^<!--\s*typecheck (prelude|skip):([\s\S]*?)-->\s*$/;

/** The README's ts and js blocks, with their markers. */
function readmeBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const lang = LANGS[fence[1]!];
    if (lang) {
      // the marker: a comment ending on the line before the fence
      let start = i - 1;
      if (lines[start]?.trimEnd().endsWith("-->")) while (start > 0 && !lines[start]!.includes("<!--")) start--;
      const m = MARKER.exec(lines.slice(Math.max(start, 0), i).join("\n"));
      const block: Block = { line: i + 2, lang, code: lines.slice(i + 1, end).join("\n"), prelude: "" };
      if (m?.[1] === "prelude") block.prelude = m[2]!.trim();
      if (m?.[1] === "skip") block.skip = m[2]!.trim();
      blocks.push(block);
    }
    i = end;
  }
  return blocks;
}

const blocks = readmeBlocks(readFileSync(README, "utf8"));
const fileOf = (b: Block) => `readme-${b.line}.${b.lang}`;

/** An error as README.md:<line>, the block's line for an error in its prelude. */
function where(e: CheckedError): string {
  const b = blocks.find((x) => fileOf(x) === e.file);
  if (!b) return `${e.file}:${e.line}`;
  const preludeLines = b.prelude ? b.prelude.split("\n").length : 0;
  if (e.line <= preludeLines) return `README.md:${b.line - 1} (the prelude of the block there)`;
  return `README.md:${b.line + e.line - preludeLines - 1}`;
}

let errors: string[];
beforeAll(() => {
  const files = blocks
    .filter((b) => !b.skip)
    // "export {}": a module even without imports (top-level await, no globals shared between blocks)
    .map((b) => ({ name: fileOf(b), text: `${b.prelude ? `${b.prelude}\n` : ""}${b.code}\nexport {};\n` }));
  errors = typecheck(files).map((e) => `${where(e)}: TS${e.code}: ${e.message}`);
}, 120_000);

describe("README code blocks compile under tsc --strict", () => {
  it("finds the blocks, the first example among them", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    expect(blocks.find((b) => b.code.includes("out[0].shape"))?.skip).toBeUndefined();
  });

  it("skips few blocks, each with its reason", () => {
    const skipped = blocks.filter((b) => b.skip !== undefined);
    for (const b of skipped) expect(b.skip, `README.md:${b.line - 1}`).toMatch(/\w{3,}/);
    expect(skipped.length).toBeLessThanOrEqual(2);
  });

  it("has no type errors (each named by its README line)", () => {
    expect(errors).toEqual([]);
  });
});
