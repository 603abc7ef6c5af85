// The packed tarball works when installed into an empty folder: files, exports and types are right,
// the inlined core instantiates without touching the file system, installing runs (and warns about)
// no script, and CommonJS can require it where Node loads ES modules through require.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cases.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npmEnv = { ...process.env, npm_config_audit: "false", npm_config_fund: "false" };
/** npm's whole output (stdout and stderr), for checking its warnings; throws on a failed command. */
const npmOutput = (args: string[], cwd: string) => {
  const res = spawnSync("npm", args, { cwd, encoding: "utf8", env: npmEnv });
  if (res.status !== 0) throw new Error(`npm ${args.join(" ")} failed:\n${res.stdout}${res.stderr}`);
  return res.stdout + res.stderr;
};
/** Node 20.19+ and 22.12+ load ES modules through require() without a flag. */
const requireLoadsEsm = (() => {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
})();

describe("npm pack", () => {
  it("installs into an empty folder, imports, predicts and type-checks", () => {
    // prepack writes dist/ and docs/api; with --ignore-scripts the API reference is written here if missing
    if (!existsSync(join(ROOT, "docs", "api", "index.html"))) npmOutput(["run", "docs"], ROOT);
    const packed = npmOutput(["pack", "--ignore-scripts", "--pack-destination", work], ROOT);
    expect(packed, "no .npmrc key npm does not know").not.toMatch(/Unknown (project|env) config/);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    expect(tarball).toMatch(/^wasm-rnn-.*\.tgz$/);
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    const installed = npmOutput(["install", "--prefer-offline", "--no-package-lock", join(work, tarball)], app);
    // npm lists preinstall, install, postinstall and (for a tarball or git source) prepare scripts
    expect(installed, "installing the tarball has no script to run or approve").not.toMatch(/install-scripts|prepare/);

    const pkg = join(app, "node_modules", "wasm-rnn");
    const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
    expect(manifest.repository.url).toBe("git+https://github.com/wasm-rnn/wasm-rnn.git");
    expect(manifest.homepage).toBe("https://github.com/wasm-rnn/wasm-rnn#readme");
    expect(manifest.bugs.url).toBe("https://github.com/wasm-rnn/wasm-rnn/issues");
    for (const script of ["preinstall", "install", "postinstall", "prepare"])
      expect(manifest.scripts).not.toHaveProperty(script);
    expect(manifest.license).toBe("MIT");
    expect(readFileSync(join(pkg, "LICENSE"), "utf8")).toMatch(
      /^MIT License\n[\s\S]*Permission is hereby granted, free of charge/,
    );
    expect(readFileSync(join(pkg, "CHANGELOG.md"), "utf8")).toContain(`## [${manifest.version}]`);
    // the API reference ships, with a page per exported class
    expect(readFileSync(join(pkg, "docs", "api", "index.html"), "utf8")).toContain("wasm-rnn API reference");
    expect(existsSync(join(pkg, "docs", "api", "classes", "LSTM.html"))).toBe(true);
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
    // CommonJS: require() where Node loads ES modules through it, else the dynamic import the README gives
    writeFileSync(
      join(app, "main.cjs"),
      `let lib;
       try { lib = require("wasm-rnn"); } catch (err) { console.log(JSON.stringify({ requireError: err.code })); }
       (async () => {
         lib ??= await import("wasm-rnn");
         await lib.ready();
         const x = lib.Input({ shape: [3, 1] });
         const model = new lib.Model({ inputs: x, outputs: new lib.LSTM({ units: 2 }).apply(x) });
         console.log(JSON.stringify({ shape: model.predict(lib.tensor([0.1, 0.2, 0.3], [1, 3, 1])).shape }));
       })();`,
    );
    const cjs = spawnSync(process.execPath, ["main.cjs"], { cwd: app, encoding: "utf8" });
    expect(cjs.status, cjs.stderr).toBe(0);
    const lines = cjs.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ shape: [1, 2] });
    if (requireLoadsEsm) {
      expect(lines, `require("wasm-rnn") on Node ${process.versions.node}`).toHaveLength(1);
      expect(cjs.stderr, "no experimental warning").toBe("");
    } else expect(lines[0]).toEqual({ requireError: "ERR_REQUIRE_ESM" });

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
