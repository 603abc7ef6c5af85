// AdditiveAttention (Keras 3, Bahdanau-style): scores sum_d scale_d tanh(q_d + k_d) (a trainable `scale`
// vector of the query's size when use_scale, default true), then Attention's masked softmax and weighted sum.
import { checkBool, checkOptions } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import { Initializer } from "../initializers.js";
import type { Shape, WeightSpec } from "../layer.js";
import { BaseAttention } from "./base.js";

export interface AdditiveAttentionArgs {
  /** A trainable vector `scale` [query features] weights the tanh terms (Keras `use_scale`, default true). */
  useScale?: boolean;
  /** Dropout rate on the attention weights while training (default 0). */
  dropout?: number;
  seed?: number | null;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

export class AdditiveAttention extends BaseAttention {
  readonly className = "AdditiveAttention";
  readonly useScale: boolean;
  readonly seed: number | null;

  constructor(args: AdditiveAttentionArgs = {}) {
    checkOptions(`AdditiveAttention '${args?.name ?? "additive_attention"}'`, args ?? {}, [
      "useScale",
      "dropout",
      "seed",
      "name",
      "trainable",
    ]);
    super(args.name, "AdditiveAttention", args.dropout);
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.useScale = checkBool(this.who, "useScale", args.useScale, true);
    this.seed = args.seed ?? null;
  }

  weightSpecs(): WeightSpec[] {
    return this.useScale ? [{ name: "scale", shape: [this.dim] }] : [];
  }

  protected build(inputShape: Shape): void {
    this.dim = inputShape[2] as number;
    if (this.useScale) this.writeWeights([new Initializer("glorot_uniform", `${this.who} scale`).generate([this.dim])]);
  }

  /** The scale vector's block, 0 without use_scale (every weight 1). */
  get scalePtr(): number {
    return this.useScale ? this.blocks[0]! : 0;
  }

  scores(q: number, k: number, Tq: number, Tv: number, D: number, s: number, tmp: number): void {
    kernels().attn_additive_scores(Tq, Tv, D, q, D, k, D, this.scalePtr, 1, 1, s, Tv, tmp);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, useScale: this.useScale, dropout: this.dropout };
  }
}
