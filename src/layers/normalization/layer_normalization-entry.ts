// LayerNormalization's and UnitNormalization's file entries and backward (what predict never needs).
import { WasmRnnError } from "../../core/errors.js";
import { trainKernels } from "../../core/train-kernels.js";
import type { Backward } from "../backward-base.js";
import type { ConfigReader, Json, JsonObject } from "../config.js";
import { baseConfig, initConfig, type LayerEntry } from "../entry.js";
import type { Step } from "../layer.js";
import type { AxisSpec } from "./base.js";
import { LayerNormalization, NORM_MODE, UnitNormalization } from "./layer_normalization.js";

/** axis: an int or a list of ints (Keras 2 and 3 write either). */
function readAxis(cfg: ConfigReader): AxisSpec {
  cfg.used.add("axis");
  const v: Json | undefined = cfg.raw.axis;
  if (v === undefined || v === null) return -1;
  const isInt = (a: Json) => typeof a === "number" && Number.isInteger(a);
  if (isInt(v)) return v as number;
  if (Array.isArray(v) && v.length > 0 && v.length <= 32 && v.every(isInt)) return v as number[];
  cfg.fail(`expected axis to be an integer or a non-empty list of integers, got ${JSON.stringify(v)}`);
}

/** Weights of one normalization for these input shapes: the normalized axes' sizes, `count` times. */
function paramCount(cfg: ConfigReader, inputs: readonly (readonly (number | null)[])[], count: number): number {
  const s = inputs[0] ?? [];
  const a = readAxis(cfg);
  let n = 1;
  for (const ax of Array.isArray(a) ? a : [a]) {
    const d = s[ax < 0 ? s.length + ax : ax];
    n *= typeof d === "number" ? d : 0;
  }
  return n * count;
}

function groupsBackward(mode: (s: Step) => number): Backward {
  return {
    traceBytes: () => 0,
    scratchBytes: () => 0,
    run({ step, dOut, dIn, dParams }) {
      const dy = dOut[0];
      if (!dy) return;
      const layer = step.layer as LayerNormalization | UnitNormalization;
      const x = step.inputs[0]!;
      const { O, N, I } = layer.groups(x.shape);
      let g = 0,
        dG = 0,
        dB = 0,
        eps = 0;
      if (layer instanceof LayerNormalization) {
        g = layer.gammaBeta[0];
        dG = g ? dParams[0]! : 0;
        dB = layer.gammaBeta[1] ? dParams[g ? 1 : 0]! : 0;
        eps = Math.fround(layer.epsilon);
      }
      trainKernels().norm_groups_backward(O, N, I, x.ptr, dy, g, eps, mode(step), dIn[0] ?? 0, dG, dB);
    },
  };
}

export const layerNormalizationEntry: LayerEntry<LayerNormalization> = {
  classNames: ["LayerNormalization"],
  cls: LayerNormalization,
  params: (cfg, inputs) => paramCount(cfg, inputs, 2),
  build: (cfg) =>
    new LayerNormalization({
      name: cfg.name,
      axis: readAxis(cfg),
      epsilon: cfg.num("epsilon", 1e-3),
      center: cfg.bool("center", true),
      scale: cfg.bool("scale", true),
      rmsScaling: cfg.bool("rms_scaling", false),
      gammaInitializer: "ones",
      betaInitializer: "zeros",
    }),
  toConfig: (l, target) => {
    if (l.rmsScaling && target === "tfjs") {
      throw new WasmRnnError(
        `saveModel: LayerNormalization '${l.name}' uses rmsScaling, which TF.js's LayerNormalization lacks; save it as .keras instead`,
      );
    }
    const cfg: JsonObject = {
      ...baseConfig(l.name),
      axis: l.axis,
      epsilon: l.epsilon,
      center: l.center,
      scale: l.scale,
      beta_initializer: initConfig("Zeros"),
      gamma_initializer: initConfig("Ones"),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
    if (target === "keras") cfg.rms_scaling = l.rmsScaling;
    return cfg;
  },
  backward: () => groupsBackward((s) => (s.layer as LayerNormalization).mode),
};

export const unitNormalizationEntry: LayerEntry<UnitNormalization> = {
  classNames: ["UnitNormalization"],
  cls: UnitNormalization,
  build: (cfg) => new UnitNormalization({ name: cfg.name, axis: readAxis(cfg) }),
  toConfig: (l) => ({ ...baseConfig(l.name), axis: l.axis }),
  backward: () => groupsBackward(() => NORM_MODE.unit),
};
