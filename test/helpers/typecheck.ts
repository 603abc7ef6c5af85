// Type-checks TypeScript (and JavaScript) as a user's `tsc --strict` would, with "wasm-rnn"
// mapped to src/index.ts: the README's blocks (test/readme-types.test.ts) and the type tests
// (test/types/). In memory, with the compiler's API: only the given files are checked (and what
// they use), not the whole project.
import { dirname, isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where virtual files live: a folder that does not exist, inside the repository. */
const VIRTUAL_DIR = join(ROOT, "test", "__virtual__");

/** A user's strict settings: ES2022 modules, no Node types (the package must not need them). */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: [],
  skipLibCheck: true,
  noEmit: true,
  allowJs: true,
  checkJs: true,
  // Deno's npm: specifier (the README's Deno block) names the same package
  paths: { "wasm-rnn": [join(ROOT, "src", "index.ts")], "npm:wasm-rnn": [join(ROOT, "src", "index.ts")] },
};

export interface CheckedError {
  file: string;
  /** 1-based line in the checked file. */
  line: number;
  code: number;
  message: string;
}

/**
 * The errors tsc reports for these files: `name` a file name such as "block-35.ts" (in a virtual
 * folder of test/) or an absolute path; `text` its contents (undefined: read the real file).
 * Errors name files by those names, or relative to the repository for the files they use.
 */
export function typecheck(files: readonly { name: string; text?: string }[]): CheckedError[] {
  const virtual = new Map<string, string>();
  const roots = files.map((f) => {
    const path = isAbsolute(f.name) ? f.name : join(VIRTUAL_DIR, f.name);
    if (f.text === undefined) return path;
    virtual.set(path, f.text);
    return path;
  });
  const host = ts.createCompilerHost(OPTIONS, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (p) => virtual.has(p) || fileExists.call(host, p);
  host.readFile = (p) => virtual.get(p) ?? readFile.call(host, p);
  host.getSourceFile = (p, lang, onError, create) => {
    const text = virtual.get(p);
    return text === undefined ? getSourceFile.call(host, p, lang, onError, create) : ts.createSourceFile(p, text, lang);
  };
  const program = ts.createProgram(roots, OPTIONS, host);
  const errors: CheckedError[] = [];
  const display = new Map(files.map((f, i) => [roots[i]!, f.name]));
  const report = (d: ts.Diagnostic) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    errors.push({
      file: d.file ? (display.get(d.file.fileName) ?? relative(ROOT, d.file.fileName)) : "",
      line: where ? where.line + 1 : 0,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    });
  };
  program.getOptionsDiagnostics().forEach(report);
  program.getGlobalDiagnostics().forEach(report);
  for (const root of roots) {
    const sf = program.getSourceFile(root);
    if (!sf) throw new Error(`typecheck: could not read ${root}`);
    program.getSyntacticDiagnostics(sf).forEach(report);
    program.getSemanticDiagnostics(sf).forEach(report);
  }
  return errors;
}

export const formatError = (e: CheckedError) => `${e.file}:${e.line}: TS${e.code}: ${e.message}`;

/** A `// @ts-expect-error: <text>` line: the error expected on the next line, and part of its message. */
const EXPECT = /^(\s*)\/\/ @ts-expect-error\b:?\s*(.*)$/;

/**
 * Checks type-test files (absolute paths, with their text) in one program: every
 * `// @ts-expect-error: <text>` must be followed by a line with an error whose message contains
 * <text>, and no other line may have an error. (tsc alone only checks that some error is there;
 * this also checks that it is the intended one.) Returns what is wrong in each file, one line
 * each (empty when the file holds), and under "" errors that are in no file.
 */
export function checkTypeTests(files: readonly { path: string; text: string }[]): Map<string, string[]> {
  const expectations = files.map(({ path, text }) => {
    const expected = new Map<number, string>();
    const stripped = text.split("\n").map((l, i) => {
      const m = EXPECT.exec(l);
      if (!m) return l;
      expected.set(i + 2, m[2]!.trim());
      return `${m[1]}// (expected error below)`;
    });
    return { path, expected, text: stripped.join("\n") };
  });
  const errors = typecheck(expectations.map((f) => ({ name: f.path, text: f.text })));
  // "": errors outside these files (options, globals)
  const problems = new Map<string, string[]>([["", []], ...files.map((f): [string, string[]] => [f.path, []])]);
  for (const e of errors) {
    const file = expectations.find((f) => f.path === e.file);
    if (!file?.expected.has(e.line)) problems.get(file?.path ?? "")!.push(`unexpected: ${formatError(e)}`);
  }
  for (const { path, expected } of expectations) {
    const list = problems.get(path)!;
    for (const [line, want] of expected) {
      const here = errors.filter((e) => e.file === path && e.line === line);
      if (!want) list.push(`${path}:${line - 1}: @ts-expect-error without the message text it expects`);
      else if (!here.length) list.push(`${path}:${line}: expected an error containing "${want}", got none`);
      else if (!here.some((e) => e.message.includes(want)))
        list.push(`${path}:${line}: expected an error containing "${want}", got: ${here.map(formatError).join("; ")}`);
    }
  }
  return problems;
}
