// The types of what loadModel, loadWeights and saveModel take and give, apart from the code that
// reads and writes files, so that Model (which only names them) imports no file code. A leaf:
// nothing here imports Model or the loaders.
import type { Json } from "../layers/config.js";
import type { CustomLayerClass } from "../layers/custom.js";
import type { LambdaFunction } from "../layers/lambda.js";

/** Bytes, a path or URL string, or a URL object. */
export type ByteSource = string | URL | Uint8Array | ArrayBuffer;

export type ShardBytes = Uint8Array | ArrayBuffer;
/** Yields a shard's bytes given its path as the manifest names it. */
export type ShardProvider = (path: string) => Promise<ShardBytes> | ShardBytes;
/** Weight shards of a TF.js model: a function, or a map from the manifest's path to bytes. */
export type ShardSource = ShardProvider | Map<string, ShardBytes> | Record<string, ShardBytes>;

export interface TfjsModelJson {
  modelTopology: Json;
  weightsManifest?: Json;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  [k: string]: Json | undefined;
}

/** A TF.js model held in memory (what `saveModel` returns without a path). */
export interface TfjsArtifacts {
  modelJson: TfjsModelJson | string;
  /** Shards by manifest path. */
  weights?: ShardSource;
  /** All weight bytes concatenated in manifest order (TF.js's `weightData`). */
  weightData?: ShardBytes;
}

export interface LoadOptions {
  /** Largest number of weight values a model may hold; checked before allocating. Default 2^28 (1 GiB of float32). */
  maxParams?: number;
  /** Largest file (or zip member) in bytes. Default 2^30. */
  maxBytes?: number;
  /**
   * What "hard_sigmoid" in the file means. "auto" (default): Keras 3's x/6+0.5 for Keras 3 files,
   * 0.2x+0.5 (our "hard_sigmoid_legacy") for older Keras and every TF.js model.
   */
  hardSigmoid?: "auto" | "keras3" | "legacy";
  /** Weights for a source that has none of its own: a weights .h5 for a Keras config JSON, or shards for a model.json. */
  weights?: ByteSource | ShardSource;
  /** fetch() to use for URLs (default globalThis.fetch). */
  fetch?: typeof fetch;
  /**
   * Default true: a file that records how its model was compiled (optimizer, loss, metrics) gives
   * a compiled model, ready for `fit`, as Keras's load_model(compile=True). A `.keras` file's
   * optimizer state (step count and slots) is restored with it, so training continues as in Keras.
   */
  compile?: boolean;
  /**
   * Keras's custom_objects: JS implementations of the file's custom layers, keyed by Keras class
   * name (or registered name, "package>Class"), each a CustomLayer subclass; and of its Lambda
   * layers, keyed by the Lambda LAYER's name ("lambda_1"), each a function (inputs) => output(s)
   * or a CustomLayer subclass.
   */
  customObjects?: Record<string, CustomLayerClass | LambdaFunction>;
  /**
   * Opt-in: "int8" gives every LSTM, GRU, SimpleRNN and Dense int8 inference weights (as
   * `model.quantize("int8")`), "float16" rounds every weight to float16. Default: float32 as stored.
   */
  quantize?: "int8" | "float16";
}

/** How saveModel writes a model. */
export interface SaveOptions {
  /**
   * "float32" (default), or "float16": every weight stored as the nearest float16, half the bytes
   * (TF.js's float16 quantization, which TF.js and loadModel read back, computing in float32).
   * TF.js format only; a weight beyond float16's range (65504) is refused.
   */
  weightsDtype?: "float32" | "float16";
}

/** What saveModel returns without a path: the TF.js artifacts. */
export interface SavedArtifacts {
  modelJson: TfjsModelJson;
  /** All weights, float32 little-endian, in manifest order. */
  weightData: Uint8Array;
}

/** What saveModel wrote when given a path. */
export interface SavedFiles {
  format: "tfjs" | "keras";
  files: string[];
}
