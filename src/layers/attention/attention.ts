// Attention (Keras 3 `keras.layers.Attention`, Luong-style): scores q . k (score_mode "dot", times `scale`
// when use_scale) or concat_score_weight * sum tanh(scale * (q + k)) ("concat"), then a masked softmax over
// the value steps and the weighted sum of the values.
import { WasmRnnError } from "../../core/errors.js";
import { checkBool, checkOptions } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import type { Shape, WeightSpec } from "../layer.js";
import { BaseAttention } from "./base.js";

export interface AttentionArgs {
  /** A trainable scalar `scale` multiplies the scores (Keras `use_scale`, default false). */
  useScale?: boolean;
  /** "dot" (default) or "concat" (adds the trainable scalar `concat_score_weight`). */
  scoreMode?: "dot" | "concat";
  /** Dropout rate on the attention weights while training (default 0). */
  dropout?: number;
  /** Keras's dropout seed (accepted; our dropout draws its own masks). */
  seed?: number | null;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

export class Attention extends BaseAttention {
  readonly className: string = "Attention";
  readonly useScale: boolean;
  readonly scoreMode: "dot" | "concat";
  readonly seed: number | null;

  constructor(args: AttentionArgs = {}) {
    checkOptions(`Attention '${args?.name ?? "attention"}'`, args ?? {}, [
      "useScale",
      "scoreMode",
      "dropout",
      "seed",
      "name",
      "trainable",
    ]);
    super(args.name, "Attention", args.dropout);
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.useScale = checkBool(this.who, "useScale", args.useScale, false);
    const mode = args.scoreMode ?? "dot";
    if (mode !== "dot" && mode !== "concat")
      throw new WasmRnnError(
        `${this.who}: expected scoreMode "dot" or "concat", got ${JSON.stringify(args.scoreMode)}`,
      );
    this.scoreMode = mode;
    this.seed = args.seed ?? null;
  }

  weightSpecs(): WeightSpec[] {
    const specs: WeightSpec[] = [];
    if (this.useScale) specs.push({ name: "scale", shape: [] });
    if (this.scoreMode === "concat") specs.push({ name: "concat_score_weight", shape: [] });
    return specs;
  }

  protected build(inputShape: Shape): void {
    this.dim = inputShape[2] as number;
    const specs = this.weightSpecs();
    if (specs.length) this.writeWeights(specs.map(() => new Float32Array([1])));
  }

  /** The scale (1 without use_scale) and the concat score weight (1 in dot mode). */
  get factors(): { scale: number; concat: number } {
    return {
      scale: this.useScale ? this.weightValue(0) : 1,
      concat: this.scoreMode === "concat" ? this.weightValue(this.useScale ? 1 : 0) : 1,
    };
  }

  scores(q: number, k: number, Tq: number, Tv: number, D: number, s: number, tmp: number): void {
    const { scale, concat } = this.factors;
    if (this.scoreMode === "dot") kernels().attn_dot_scores(Tq, Tv, D, q, D, k, D, scale, s, Tv);
    else kernels().attn_additive_scores(Tq, Tv, D, q, D, k, D, 0, scale, concat, s, Tv, tmp);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, useScale: this.useScale, scoreMode: this.scoreMode, dropout: this.dropout };
  }
}
