// The code behind Model's training methods (fit, trainOnBatch, evaluate), file methods (save,
// loadWeights) and quantize, which "wasm-rnn/train", "wasm-rnn/io" and "wasm-rnn/quant" provide
// (src/entry-*.ts). A bundler keeps every method of a class it keeps, and one that does not split
// code inlines what a method imports lazily too: were Model to import that code itself, every
// inference app would ship the training core, the HDF5 reader and the int8 core (issue 16).
//
// Unbundled (Node, Deno, Bun, a browser loading dist/ itself) nothing needs importing: the first
// call imports the feature's entry module beside this file, by a URL no bundler follows. In a
// bundle that import finds nothing (or another copy of the package), and the error names the import.
import { WasmRnnError } from "../core/errors.js";
import type {
  ByteSource,
  LoadOptions,
  SavedArtifacts,
  SavedFiles,
  SaveOptions,
  TfjsArtifacts,
  TfjsModelJson,
} from "../io/types.js";
import type { CompileArgs } from "../train/types.js";

/** What "wasm-rnn/io" provides (`M` is Model: this module sits below model.ts, which reads it). */
export interface FileCode<M> {
  loadModel(source: ByteSource | TfjsArtifacts | TfjsModelJson, options?: LoadOptions): Promise<M>;
  saveModel: {
    (model: M, target?: undefined, options?: SaveOptions): Promise<SavedArtifacts>;
    (model: M, target: string, options?: SaveOptions): Promise<SavedFiles>;
  };
  loadWeights(model: M, source: ByteSource, options?: LoadOptions): Promise<void>;
}

/** What "wasm-rnn/train" provides (`S` is the TrainingSession model.ts declares). */
export interface TrainingCode<M, S> {
  loadTrainCore(who: string): Promise<void>;
  startTraining(model: M, args: CompileArgs): S;
}

/** What "wasm-rnn/quant" provides (`R` is its report). */
export interface QuantCode<M, R> {
  quantizeModel(model: M, who: string, mode: unknown): Promise<R>;
}

/** The entry module `file` (entry-train, ...) beside this package's model/ folder, if unbundled. */
async function importEntry(file: string): Promise<string> {
  // dist/model/features.js as published (src/model/features.ts under the test runner); anything
  // else is a bundle, whose chunks have other names
  const here = import.meta.url;
  const at = /\/model\/features\.(js|ts)$/.exec(here);
  if (!at) return "";
  const url = `${here.slice(0, at.index)}/${file}.${at[1]}`;
  try {
    // a computed URL and these comments: no bundler resolves it, and webpack and Vite say nothing
    await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
    return "";
  } catch (err) {
    return ` (importing ${url} failed: ${String(err)})`;
  }
}

/** One feature's code, provided once by its entry module; model.ts holds one per feature. */
export class Feature<T> {
  private code: T | null = null;

  /** `what` names the feature in errors; `name` is its entry's: "wasm-rnn/<name>", dist/entry-<name>.js. */
  constructor(
    private readonly what: string,
    private readonly name: string,
  ) {}

  /** For the feature's entry module: the first call wins (two copies of the entry change nothing). */
  provide(code: T): void {
    this.code ??= code;
  }

  /** The feature's code: provided, or its entry imported now (unbundled), or an error naming the import. */
  async load(who: string): Promise<T> {
    const failed = this.code ? "" : await importEntry(`entry-${this.name}`);
    if (this.code) return this.code;
    throw new WasmRnnError(
      `${who}: ${this.what} needs \`import "wasm-rnn/${this.name}"\` once in a bundled app (which keeps that code out ` +
        `of apps that only predict), got no such import${failed}`,
    );
  }
}
