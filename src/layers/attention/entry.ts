// The file entries of Attention and AdditiveAttention (Keras 3, Keras 2 / tf.keras and TF.js configs) and
// their backward. Keras 2's `causal` constructor option is Keras 3's use_causal_mask call argument.
import type { ConfigReader, JsonObject } from "../config.js";
import { baseConfig, type LayerEntry } from "../entry.js";
import type { SymbolicTensor } from "../layer.js";
import { AdditiveAttention } from "./additive_attention.js";
import { Attention } from "./attention.js";
import { attentionBackward } from "./backward.js";
import type { BaseAttention } from "./base.js";

/** The options of a file's call: Keras 3 / Keras 2.10+ call arguments, Keras 2's `causal` constructor option. */
function callFromFile(
  layer: BaseAttention,
  cfg: { causal: boolean },
  inputs: SymbolicTensor[],
  call?: { options: JsonObject },
): SymbolicTensor[] {
  const o = call?.options ?? {};
  const kw = {
    useCausalMask: o.use_causal_mask === true || cfg.causal,
    returnAttentionScores: o.return_attention_scores === true,
  };
  const out = layer.apply(inputs as [SymbolicTensor, SymbolicTensor], kw);
  return Array.isArray(out) ? out : [out as SymbolicTensor];
}

/** Keras 2's `causal` (deprecated in 2.10, gone in Keras 3), remembered per layer until its call. */
const legacyCausal = new WeakMap<BaseAttention, boolean>();

function commonOptions(cfg: ConfigReader): { dropout: number; seed: number | null } {
  const dropout = cfg.num("dropout", 0);
  if (!(dropout >= 0 && dropout < 1)) cfg.fail(`expected dropout in [0, 1), got ${dropout}`);
  cfg.used.add("seed");
  const seed = typeof cfg.raw.seed === "number" ? cfg.raw.seed : null;
  return { dropout, seed };
}

function buildLegacy<L extends BaseAttention>(cfg: ConfigReader, layer: L): L {
  legacyCausal.set(layer, cfg.bool("causal", false));
  return layer;
}

const saveCall = (l: BaseAttention) => ({ positional: 0, kwargs: l.calls.kwargs(), kwargTensors: [] });

export const attentionEntry: LayerEntry<Attention> = {
  classNames: ["Attention"],
  cls: Attention,
  listInput: true,
  tensorArgs: [],
  build: (cfg) =>
    buildLegacy(
      cfg,
      new Attention({
        name: cfg.name,
        useScale: cfg.bool("use_scale", false),
        scoreMode: cfg.str("score_mode", "dot") as "dot",
        ...commonOptions(cfg),
      }),
    ),
  call: (layer, inputs, _s, call) =>
    callFromFile(layer as Attention, { causal: legacyCausal.get(layer as Attention) ?? false }, inputs, call),
  toConfig: (l) => ({
    ...baseConfig(l.name),
    use_scale: l.useScale,
    score_mode: l.scoreMode,
    dropout: l.dropout,
    seed: l.seed,
  }),
  saveCall,
  backward: (l) => attentionBackward(l),
};

export const additiveAttentionEntry: LayerEntry<AdditiveAttention> = {
  classNames: ["AdditiveAttention"],
  cls: AdditiveAttention,
  listInput: true,
  tensorArgs: [],
  build: (cfg) =>
    buildLegacy(
      cfg,
      new AdditiveAttention({ name: cfg.name, useScale: cfg.bool("use_scale", true), ...commonOptions(cfg) }),
    ),
  call: (layer, inputs, _s, call) =>
    callFromFile(
      layer as AdditiveAttention,
      { causal: legacyCausal.get(layer as AdditiveAttention) ?? false },
      inputs,
      call,
    ),
  toConfig: (l) => ({ ...baseConfig(l.name), use_scale: l.useScale, dropout: l.dropout, seed: l.seed }),
  saveCall,
  backward: (l) => attentionBackward(l),
};
