// The packed tarball works when installed into an empty folder: files, exports and types are right
// and the inlined core instantiates without touching the file system.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cases.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" },
  });

describe("npm pack", () => {
  it("installs into an empty folder, imports, predicts and type-checks", () => {
    npm(["pack", "--ignore-scripts", "--pack-destination", work], ROOT);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    expect(tarball).toMatch(/^wasm-rnn-.*\.tgz$/);
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    npm(["install", "--prefer-offline", "--no-package-lock", join(work, tarball)], app);
    writeFileSync(
      join(app, "main.mjs"),
      `import { ready, Input, LSTM, Model, tensor } from "wasm-rnn";
       await ready();
       const x = Input({ shape: [3, 1] });
       const [seq, h, c] = new LSTM({ units: 2, returnSequences: true, returnState: true }).apply(x);
       const out = new Model({ inputs: x, outputs: [seq, h, c] }).predict(tensor([0.1, 0.2, 0.3], [1, 3, 1]));
       console.log(JSON.stringify(out.map((t) => t.shape)));`,
    );
    const printed = execFileSync(process.execPath, ["main.mjs"], { cwd: app, encoding: "utf8" });
    expect(JSON.parse(printed)).toEqual([
      [1, 3, 2],
      [1, 2],
      [1, 2],
    ]);
    // the shipped .d.ts files give the tuple types to a TypeScript user (layers and predict)
    writeFileSync(
      join(app, "check.ts"),
      `import { Input, LSTM, Model, type SymbolicTensor, type Tensor, tensor } from "wasm-rnn";
       const x = Input({ shape: [3, 1] });
       const r: [SymbolicTensor, SymbolicTensor, SymbolicTensor] = new LSTM({ units: 1, returnState: true }).apply(x);
       const data = tensor([0.1, 0.2, 0.3], [1, 3, 1]);
       const one: Tensor = new Model({ inputs: x, outputs: r[0] }).predict(data);
       const three: [Tensor, Tensor, Tensor] = new Model({ inputs: x, outputs: r }).predict(data);
       void one; void three;`,
    );
    execFileSync(
      process.execPath,
      [
        join(ROOT, "node_modules", "typescript", "bin", "tsc"),
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--lib",
        "es2022,dom",
        "check.ts",
      ],
      { cwd: app, encoding: "utf8" },
    );
  });
});
