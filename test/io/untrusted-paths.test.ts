// Issue 12, items 1-2: a TF.js manifest's shard paths must not leave the model's folder (after
// URL resolution, percent-decoding, backslashes and symlinks), and only regular files are read,
// bounded: /dev/zero or a FIFO is refused at once instead of hanging.
import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, loadModel, loadWeights, ready, Sequential } from "../../src/index.js";
import {
  expectGood,
  expectRefused,
  type Fixture,
  type StaticServer,
  serve,
  tfjsFixture,
  writeManifest,
} from "./untrusted-helpers.js";

let fx: Fixture;
let http: StaticServer;
let other: StaticServer;
beforeAll(async () => {
  await ready();
  fx = await tfjsFixture();
  http = await serve(fx.root);
  other = await serve(fx.root);
});
afterAll(async () => {
  await http?.close();
  await other?.close();
  fx?.cleanup();
});

/** Shard paths that leave the folder m/ (the secret is a valid shard one level up). */
const escapes = (): string[] => [
  "../secret.bin",
  "%2e%2e%2fsecret.bin",
  "%2E%2E/secret.bin",
  ".%2e/secret.bin",
  "..%2fsecret.bin",
  "..\\secret.bin",
  "sub/../../secret.bin",
  "sub\\..\\..\\secret.bin",
  "\\\\127.0.0.1\\secret.bin",
  "//127.0.0.1/secret.bin",
  `${other.url.replace("http:", "")}/secret.bin`.replace(/\//g, "\\"),
  join(fx.root, "secret.bin"),
  pathToFileURL(join(fx.root, "secret.bin")).href,
  `${other.url}/secret.bin`,
  "/etc/passwd",
  "C:\\Windows\\win.ini",
];

type Mode = "path" | "file URL" | "http URL";
const modes: Mode[] = ["path", "file URL", "http URL"];
const sourceOf = (mode: Mode, file: string, name: string): string | URL =>
  mode === "path" ? file : mode === "file URL" ? pathToFileURL(file) : `${http.url}/m/${name}`;
const labelOf = (s: string | URL) => (s instanceof URL ? s.href : s);

describe("shard paths stay inside the model's folder", () => {
  for (const mode of modes) {
    it(`loaded by ${mode}: a plain name and a subfolder load, and predict what the model predicts`, async () => {
      await expectGood(fx, sourceOf(mode, join(fx.folder, "model.json"), "model.json"));
      const file = writeManifest(fx, "sub/inside.bin", "inside.json");
      await expectGood(fx, sourceOf(mode, file, "inside.json"));
    });

    it(`loaded by ${mode}: every escape is refused, naming the model file and the path`, async () => {
      const before = other.hits.length;
      const list = escapes();
      for (const [i, p] of list.entries()) {
        const name = `escape${i}.json`;
        const src = sourceOf(mode, writeManifest(fx, p, name), name);
        const err = await expectRefused(loadModel(src), [labelOf(src)]);
        expect(err.message).toContain(`'${p}'`);
        expect(err.message).toMatch(/expected weight shard paths inside the model's folder/);
      }
      expect(other.hits.length - before, "requests reaching another origin").toBe(0);
      expect(
        http.hits.filter((h) => /secret/.test(h)),
        "requests for files outside m/",
      ).toEqual([]);
    });
  }

  it("a symlink inside the folder pointing out of it is refused (realpath)", async () => {
    symlinkSync(join(fx.root, "secret.bin"), join(fx.folder, "link.bin"));
    const file = writeManifest(fx, "link.bin", "link.json");
    await expectRefused(loadModel(file), [file, "'link.bin'"]);
    await expectRefused(loadModel(pathToFileURL(file)), [pathToFileURL(file).href, "'link.bin'"]);
  });

  it("a weights folder given in options bounds the shards the same way", async () => {
    const file = writeManifest(fx, "../secret.bin", "opt.json");
    await expectRefused(loadModel(file, { weights: fx.folder }), [file, "'../secret.bin'"]);
  });
});

describe("only regular files are read, bounded", () => {
  const hasDevZero = existsSync("/dev/zero");

  it.skipIf(!hasDevZero)("/dev/zero as the model or weights file is refused at once", async () => {
    await expectRefused(loadModel("/dev/zero"), ["/dev/zero", "regular file"], 2000);
    await expectRefused(loadModel(pathToFileURL("/dev/zero")), ["/dev/zero", "regular file"], 2000);
    const m = new Sequential({ layers: [Input({ shape: [2] }), new Dense({ units: 2 })] });
    await expectRefused(loadWeights(m, "/dev/zero"), ["/dev/zero"], 2000);
    m.dispose();
  });

  it.skipIf(!hasDevZero)("a shard symlinked to /dev/zero inside the folder is refused at once", async () => {
    symlinkSync("/dev/zero", join(fx.folder, "zero.bin"));
    const file = writeManifest(fx, "zero.bin", "zero.json");
    await expectRefused(loadModel(file), [file, "'zero.bin'"], 2000);
  });

  it.skipIf(process.platform === "win32")(
    "a FIFO (model file or shard) is refused at once, not waited on",
    async () => {
      const fifo = join(fx.folder, "pipe.bin");
      execFileSync("mkfifo", [fifo]);
      await expectRefused(loadModel(fifo), [fifo, "regular file"], 2000);
      const file = writeManifest(fx, "pipe.bin", "pipe.json");
      await expectRefused(loadModel(file), [fifo, "regular file"], 2000);
    },
  );

  it("a known-good model still predicts correctly after all of the above", async () => {
    await expectGood(fx, join(fx.folder, "model.json"));
  });
});
