// Activation's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { ACTIVATION_IDS, type ActivationName, fileActivation, gradFromInput } from "../core/activations.js";
import { describeValue, WasmRnnError } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { Activation } from "./activation.js";
import { none } from "./backward-base.js";
import type { ConfigReader } from "./config.js";
import { baseConfig, kerasActivation, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";

export const activationEntry: LayerEntry<Activation> = {
  classNames: ["Activation"],
  cls: Activation,
  build: (cfg) => new Activation({ name: cfg.name, activation: readActivation(cfg) }),
  toConfig: (l, target) => ({ ...baseConfig(l.name), activation: savedActivation(l, target) }),
  backward: (layer) => ({
    traceBytes: none,
    // dz of the activation, [.., F]
    scratchBytes: (s) => sizeOf(s.outputs[0]!.shape) * 4,
    run: ({ step, dOut, dIn, scratch, dPre }) => {
      if (!dIn[0]) return;
      const y = step.outputs[0]!;
      const F = y.shape.at(-1)!,
        n = sizeOf(y.shape);
      const k = trainKernels();
      const id = ACTIVATION_IDS[layer.activation];
      if (dOut[0] && gradFromInput(layer.activation)) {
        const from = layer.activation === "log_softmax" ? y.ptr : step.inputs[0]!.ptr;
        k.activation_backward_x(n / F, F, from, dOut[0], scratch, id);
        k.add_arrays(n, dIn[0], scratch, dIn[0]);
      } else if (dOut[0]) {
        k.activation_backward_rows(n / F, F, y.ptr, dOut[0], scratch, F, id);
        k.add_arrays(n, dIn[0], scratch, dIn[0]);
      }
      if (dPre) k.add_arrays(n, dIn[0], dPre, dIn[0]);
    },
  }),
};

/** The file's activation (a name, or Keras 3's `{class_name: "function", config: name}`): every one we compute. */
function readActivation(cfg: ConfigReader): ActivationName {
  cfg.used.add("activation");
  let v = cfg.raw.activation;
  if (v === undefined || v === null) return "linear";
  if (typeof v === "object" && !Array.isArray(v) && typeof v.config === "string") v = v.config;
  const name = typeof v === "string" ? fileActivation(v, cfg.ctx.legacyHardSigmoid) : undefined;
  if (!name)
    cfg.fail(
      `expected activation to be a built-in activation wasm-rnn computes (${Object.keys(ACTIVATION_IDS)
        .filter((a) => a !== "hard_sigmoid_legacy")
        .join(", ")}, swish, hard_swish), got ${describeValue(v)}`,
    );
  return name;
}

/** TF.js layers' names of the activations it has (tfjs-layers activations.ts); the others stay Keras's. */
const TFJS_NAMES = new Map<ActivationName, string>([
  ["silu", "swish"],
  ["gelu", "gelu"],
  ["mish", "mish"],
  ["softplus", "softplus"],
  ["softsign", "softsign"],
  ["selu", "selu"],
  ["elu", "elu"],
  ["relu6", "relu6"],
]);

function savedActivation(l: Activation, target: "tfjs" | "keras"): string {
  if (target === "keras" || !gradFromInput(l.activation)) return kerasActivation(l, l.activation, target);
  const name = TFJS_NAMES.get(l.activation);
  if (!name)
    throw new WasmRnnError(
      `saveModel: ${l.who} uses ${l.activation}, which TF.js layers does not have; save it as .keras instead`,
    );
  return name;
}
