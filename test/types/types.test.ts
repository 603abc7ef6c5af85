// The type tests in this folder hold: each `// @ts-expect-error: <text>` line is followed by an
// error whose message contains <text>, and nothing else is an error (see test/helpers/typecheck.ts).
// `npm run typecheck` checks them too, without the messages.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkTypeTests } from "../helpers/typecheck.js";

const DIR = dirname(fileURLToPath(import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "expect.ts")
  .sort();
/** A copy of one file with a wrong expected message, and one with an error nobody expects: both must fail. */
const WRONG = join(DIR, "wrong-message.ts");
const EXTRA = join(DIR, "extra-error.ts");

let problems: Map<string, string[]>;
beforeAll(() => {
  const files = FILES.map((f) => ({ path: join(DIR, f), text: readFileSync(join(DIR, f), "utf8") }));
  const first = files.find((f) => f.path.endsWith("model-outputs.ts"))!.text;
  const wrong = first.replace(
    "// @ts-expect-error: Property '0' does not exist on type 'Tensor'",
    "// @ts-expect-error: some other message",
  );
  const extra = first.replace("const eager: Tensor = one.apply(data);", "const eager: number = one.apply(data);");
  problems = checkTypeTests([...files, { path: WRONG, text: wrong }, { path: EXTRA, text: extra }]);
}, 120_000);

describe("type tests", () => {
  it("has the files, and no error outside them", () => {
    expect(FILES).toEqual([
      "activations.ts",
      "bidirectional.ts",
      "compile-names.ts",
      "io.ts",
      "model-outputs.ts",
      "stream-pool.ts",
    ]);
    expect(problems.get("")).toEqual([]);
  });
  for (const file of FILES) {
    it(`${file}: every expected error is there, with its message, and nothing else`, () => {
      expect(readFileSync(join(DIR, file), "utf8")).toMatch(/@ts-expect-error: /);
      expect(problems.get(join(DIR, file))).toEqual([]);
    });
  }
  it("a wrong expected message and an unexpected error fail (the check can fail)", () => {
    expect(problems.get(WRONG)!.join("\n")).toMatch(/expected an error containing "some other message", got: .*TS7053/);
    expect(problems.get(EXTRA)).toEqual([
      expect.stringMatching(
        /^unexpected: .*extra-error\.ts:\d+: TS2322: Type 'Tensor' is not assignable to type 'number'/,
      ),
    ]);
  });
});
