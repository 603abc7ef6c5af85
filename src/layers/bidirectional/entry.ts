// Bidirectional's file entry: Keras config in and out (the wrapped layer's own entry reads and
// writes it), where the halves' weights sit in a Keras 3 file, and its backward (./backward.ts).
import type { JsonObject } from "../config.js";
import { baseConfig, type LayerEntry } from "../entry.js";
import { RecurrentLayer } from "../recurrent.js";
import { buildLayer, innerConfig, innerReader } from "../registry.js";
import { bidirectionalBackward } from "./backward.js";
import { Bidirectional } from "./bidirectional.js";

/** Keys of the backward layer's config that must match the forward one's (Keras 3 writes both). */
const SAME_IN_BOTH = [
  "units",
  "activation",
  "recurrent_activation",
  "use_bias",
  "return_sequences",
  "return_state",
  "reset_after",
  "unit_forget_bias",
  "stateful",
];

export const bidirectionalEntry: LayerEntry<Bidirectional> = {
  classNames: ["Bidirectional"],
  cls: Bidirectional,
  recurrent: true,
  kerasVarsPaths: (b) => [
    { path: ["forward_layer", "cell"], count: b.forwardLayer.weightSpecs().length },
    { path: ["backward_layer", "cell"], count: b.backwardLayer.weightSpecs().length },
  ],
  params(cfg, inputs) {
    const { entry, reader } = innerReader(cfg, cfg.ctx);
    return 2 * (entry.params?.(reader, inputs) ?? 0);
  },
  build(cfg, ctx) {
    const { entry, reader } = innerReader(cfg, ctx);
    // Keras 3 always writes backward_layer; accept it when it is the usual reversed copy
    cfg.requireDefault(
      "backward_layer",
      (v) => {
        if (!v || typeof v !== "object" || Array.isArray(v) || v.class_name !== reader.className) return false;
        const bc = v.config;
        if (!bc || typeof bc !== "object" || Array.isArray(bc)) return false;
        return (
          SAME_IN_BOTH.every((k) => JSON.stringify(bc[k] ?? null) === JSON.stringify(reader.raw[k] ?? null)) &&
          bc.go_backwards === !(reader.raw.go_backwards ?? false)
        );
      },
      "a custom backward layer different from the reversed copy of the forward one",
    );
    const inner = buildLayer(entry, reader, ctx);
    if (!(inner instanceof RecurrentLayer))
      cfg.fail(`expected a recurrent layer (LSTM, GRU, SimpleRNN) inside, got ${inner.className}`);
    const m = cfg.raw.merge_mode;
    if (m !== null && m !== undefined && !["concat", "sum", "mul", "ave"].includes(m as string))
      cfg.fail(`expected merge_mode concat, sum, mul, ave or null, got ${JSON.stringify(m)}`);
    const bi = new Bidirectional(inner as RecurrentLayer, {
      name: cfg.name,
      mergeMode: m === undefined ? "concat" : (m as "concat"),
    });
    // Keras 3 writes each half's config: the backward one keeps its own trainable flag
    const back = cfg.raw.backward_layer;
    const flag =
      back && typeof back === "object" && !Array.isArray(back) ? (back.config as JsonObject)?.trainable : null;
    if (typeof flag === "boolean") bi.backwardLayer.setTrainableOnly(flag);
    else if (flag !== undefined && flag !== null)
      cfg.fail(`expected backward_layer.config.trainable to be a boolean, got ${JSON.stringify(flag)}`);
    return bi;
  },
  toConfig(b, target) {
    const innerName = b.forwardLayer.name.replace(/^forward_/, "");
    const cfg: JsonObject = {
      ...baseConfig(b.name),
      layer: innerConfig(b.forwardLayer, target, innerName),
      merge_mode: b.mergeMode,
    };
    // Keras 3 makes the backward half from `layer` unless backward_layer is given: written when its flag differs
    if (target === "keras" && b.backwardLayer.trainable !== b.forwardLayer.trainable)
      cfg.backward_layer = innerConfig(b.backwardLayer, target);
    return cfg;
  },
  backward: bidirectionalBackward,
};
