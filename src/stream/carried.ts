// Which layer calls of a model a stream carries states for, where in a slot each keeps them, and
// which layers a stream cannot carry (they need the whole sequence, or take their states from the
// graph), refused when the pool is made.
import { WasmRnnError } from "../core/errors.js";
import { Bidirectional } from "../layers/bidirectional/bidirectional.js";
import { ConvLSTM2D } from "../layers/conv_lstm2d.js";
import type { Layer } from "../layers/layer.js";
import { RecurrentLayer } from "../layers/recurrent.js";
import { TimeDistributed } from "../layers/time_distributed.js";
import type { Model } from "../model/model.js";
import type { StateLayout } from "./state-bytes.js";

/** A recurrent layer call whose states a stream carries. */
export interface Carried {
  /** Index of its node in model.nodes (and of its step in a plan). */
  readonly step: number;
  readonly layer: RecurrentLayer;
  /** Float offset of its first state in a slot; each state takes layer.stateStride floats. */
  readonly offset: number;
}

export interface CarriedPlan {
  readonly carried: readonly Carried[];
  readonly layout: StateLayout;
  /** Floats per slot (every carried state, padded to the kernels' stride). */
  readonly slotFloats: number;
}

const needsFuture = (who: string, why: string): WasmRnnError =>
  new WasmRnnError(`StreamPool: ${who} ${why}: a stream, which gets its steps a few at a time, cannot carry it`);

function refuse(layer: Layer): void {
  if (layer instanceof Bidirectional) throw needsFuture(layer.who, "reads the sequence backwards from its end");
  if (layer instanceof RecurrentLayer && layer.goBackwards)
    throw needsFuture(layer.who, "has goBackwards: true (it reads the sequence from its end)");
  if (layer instanceof ConvLSTM2D)
    throw needsFuture(layer.who, "is a ConvLSTM2D, whose states streams do not hold yet");
  if (
    layer instanceof TimeDistributed &&
    (layer.layer instanceof RecurrentLayer || layer.layer instanceof Bidirectional)
  )
    throw needsFuture(layer.who, "runs a recurrent layer on each step separately");
}

/** The recurrent layer calls of `model` in execution order, laid out in a slot. */
export function carriedPlan(model: Model): CarriedPlan {
  const carried: Carried[] = [];
  const layers: { className: string; units: number; stateNames: readonly string[] }[] = [];
  let offset = 0;
  model.nodes.forEach((node, step) => {
    const layer = node.layer;
    refuse(layer);
    if (!(layer instanceof RecurrentLayer)) return;
    if (node.initialState.length > 0) {
      throw new WasmRnnError(
        `StreamPool: ${layer.who} takes its initial state from the graph (initialState): a stream carries only ` +
          "states a layer keeps itself; run such a decoder with model.predict, passing its states in and out",
      );
    }
    carried.push({ step, layer, offset });
    layers.push({ className: layer.className, units: layer.units, stateNames: layer.stateNames });
    offset += layer.stateNames.length * layer.stateStride;
  });
  if (carried.length === 0) {
    throw new WasmRnnError(
      `StreamPool: expected a model with a recurrent layer (LSTM, GRU, SimpleRNN), got Model '${model.name}' with none`,
    );
  }
  return { carried, layout: { layers }, slotFloats: offset };
}
