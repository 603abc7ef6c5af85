// Rebuilds the graphs that tools/gen_keras_family.py describes (test/cases/family_*.json) with
// wasm-rnn, so one replay function covers every layer of the recurrent family.
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import {
  Activation,
  Add,
  Bidirectional,
  Concatenate,
  clearSession,
  Dense,
  Dropout,
  Embedding,
  Flatten,
  GRU,
  Input,
  type Layer,
  LSTM,
  Masking,
  Model,
  RepeatVector,
  Sequential,
  SimpleRNN,
  type SymbolicTensor,
  type Tensor,
  TimeDistributed,
  tensor,
} from "../../src/index.js";
import { asList, decode, type EncodedArray, expectClose, loadCases, partOfCases } from "./cases.js";

export interface Encoded extends EncodedArray {
  dtype?: "int32";
}
export interface InnerSpec {
  class: string;
  config: Record<string, unknown>;
}
export interface LayerSpec extends InnerSpec {
  id: string;
  layer?: InnerSpec;
  inputs: string[];
  initialState?: string[];
  /** How the inputs are passed: one tensor (default), a list (merges, Attention), or positional (MultiHeadAttention). */
  inputsAs?: "single" | "list" | "positional";
  /** Call options (useCausalMask, returnAttentionScores, training), camelCase. */
  call?: Record<string, unknown>;
  /** Call options that are tensors of the graph (attentionMask, mask), as refs. */
  callTensors?: Record<string, string>;
  weights: Encoded[];
}
export interface ModelSpec {
  inputs: { id: string; shape?: number[]; batchShape?: number[]; dtype?: "int32" | "float32" }[];
  layers: LayerSpec[];
  outputs: string[];
  sequential?: boolean;
}
export interface Call {
  reset?: true;
  inputs: Encoded[];
  outputs: Encoded[];
  states?: Record<string, Encoded[]>;
}
export interface FamilyCase {
  name: string;
  seed: number;
  model: ModelSpec;
  calls: Call[];
  summary?: { text: string; model_name: string };
}

export function decodeAny(a: Encoded): Tensor {
  if (a.dtype !== "int32") return decode(a);
  const bytes = Buffer.from(a.b64, "base64");
  return tensor(
    new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    a.shape,
    "int32",
  );
}

export function makeLayer(spec: InnerSpec & { layer?: InnerSpec }): Layer {
  const c = spec.config as never;
  switch (spec.class) {
    case "LSTM":
      return new LSTM(c);
    case "GRU":
      return new GRU(c);
    case "SimpleRNN":
      return new SimpleRNN(c);
    case "Bidirectional":
      return new Bidirectional(makeLayer(spec.layer!) as LSTM, c);
    case "TimeDistributed":
      return new TimeDistributed(makeLayer(spec.layer!), c);
    case "Dense":
      return new Dense(c);
    case "Masking":
      return new Masking(c);
    case "Embedding":
      return new Embedding(c);
    case "RepeatVector":
      return new RepeatVector(c);
    case "Concatenate":
      return new Concatenate(c);
    case "Add":
      return new Add(c);
    case "Activation":
      return new Activation(c);
    case "Dropout":
      return new Dropout(c);
    case "Flatten":
      return new Flatten(c);
    default: {
      // every other layer: the class of that name in the public API, with the spec's camelCase options
      // (and a wrapped layer first, as TimeDistributed and Bidirectional take it)
      const Cls = (api as unknown as Record<string, new (...a: unknown[]) => Layer>)[spec.class];
      if (typeof Cls !== "function") throw new Error(`unknown class ${spec.class}`);
      return spec.layer ? new Cls(makeLayer(spec.layer), c) : new Cls(c);
    }
  }
}

type Applicable = { apply(x: unknown, kw?: unknown): SymbolicTensor | SymbolicTensor[] };

export interface Built {
  model: Model;
  layers: Map<string, Layer>;
}

/** The case's graph with its weights set; a Sequential when the case says so. */
export function buildCase(spec: ModelSpec): Built {
  const tensors = new Map<string, SymbolicTensor>();
  const inputs = spec.inputs.map((s) => {
    const t = Input({
      ...(s.batchShape ? { batchShape: s.batchShape } : { shape: s.shape! }),
      dtype: s.dtype ?? "float32",
    });
    tensors.set(s.id, t);
    return t;
  });
  const layers = new Map<string, Layer>();
  let model: Model;
  if (spec.sequential) {
    const stack = spec.layers.map((l) => {
      const layer = makeLayer(l);
      layers.set(l.id, layer);
      return layer;
    });
    model = new Sequential({ layers: [inputs[0]!, ...stack] });
  } else {
    for (const l of spec.layers) {
      const layer = makeLayer(l);
      layers.set(l.id, layer);
      const args = l.inputs.map((r) => tensors.get(r)!);
      const how = l.inputsAs ?? (l.class === "Concatenate" || l.class === "Add" ? "list" : "single");
      const kw: Record<string, unknown> = { ...l.call };
      if (l.initialState) kw.initialState = l.initialState.map((r) => tensors.get(r)!);
      for (const [k, r] of Object.entries(l.callTensors ?? {})) kw[k] = tensors.get(r)!;
      const kwArg = Object.keys(kw).length ? kw : undefined;
      const applicable = layer as unknown as Applicable;
      const out =
        how === "positional"
          ? (layer as unknown as { apply(...a: unknown[]): SymbolicTensor | SymbolicTensor[] }).apply(...args, kwArg)
          : applicable.apply(how === "list" ? args : args[0], kwArg);
      (Array.isArray(out) ? out : [out]).forEach((t, i) => tensors.set(`${l.id}:${i}`, t));
    }
    const outs = spec.outputs.map((r) => tensors.get(r)!);
    model = new Model({ inputs, outputs: outs });
  }
  for (const l of spec.layers) if (l.weights.length) layers.get(l.id)!.setWeights(l.weights.map(decode));
  return { model, layers };
}

/** Runs every call of the case (resets included) and compares outputs and stateful states. */
export function replayCase(c: FamilyCase, built = buildCase(c.model)): Built {
  c.calls.forEach((call, k) => {
    if (call.reset) {
      built.model.resetStates();
      return;
    }
    const ins = call.inputs.map(decodeAny);
    const got = asList(built.model.predict(ins.length === 1 ? ins[0]! : ins));
    expect(got.length, `${c.name} call ${k}: number of outputs`).toBe(call.outputs.length);
    call.outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${c.name} call ${k} output ${i}`));
    for (const [id, states] of Object.entries(call.states ?? {})) {
      const layer = built.layers.get(id) as unknown as { getStates(): Tensor[] };
      const have = layer.getStates();
      expect(have.length, `${c.name} call ${k} ${id}: number of states`).toBe(states.length);
      states.forEach((s, i) => expectClose(have[i]!, decode(s), `${c.name} call ${k} ${id} state ${i}`));
    }
  });
  return built;
}

/** Every file tools/gen_keras_family.py writes. */
export const FAMILY_FILES = [
  "family_gru.json",
  "family_simple_rnn.json",
  "family_bidirectional.json",
  "family_stacked.json",
  "family_masking.json",
  "family_stateful.json",
  "family_layers.json",
  "family_cell_sequences.json",
];

/**
 * The files that hold several layers' cases, split by case name among the test files of those layers
 * (see partOfCases).
 */
const PARTS: Record<string, [part: string, name: RegExp][]> = {
  "family_layers.json": [
    ["time_distributed", /^timedistributed_/],
    ["repeat_vector", /^repeatvector$/],
    ["merge", /^(concatenate|add)_/],
    ["activation", /^activation_/],
    ["dropout", /^dropout_/],
    ["sequential", /^sequential_/],
  ],
  "family_masking.json": [
    ["embedding", /^embed/],
    ["masking", /./],
  ],
};

/** The cases of a family file, or of one part of it (see PARTS). */
export function familyCases(file: string, part?: string): FamilyCase[] {
  const cases = loadCases<FamilyCase>(file).cases;
  return part === undefined ? cases : partOfCases(file, cases, PARTS[file] ?? [], part);
}

/** Every case of every family file, for the coverage checks. */
export const allFamilyCases = (): FamilyCase[] => FAMILY_FILES.flatMap((f) => familyCases(f));

/** The configs of every `cls` layer of the family cases, wrapped ones (Bidirectional, TimeDistributed) included. */
export function familyConfigs(cls: string): Record<string, unknown>[] {
  const layerSpecs = allFamilyCases().flatMap((c) => c.model.layers);
  return [
    ...layerSpecs.filter((l) => l.class === cls).map((l) => l.config),
    ...layerSpecs.filter((l) => l.layer?.class === cls).map((l) => l.layer!.config),
  ];
}

/**
 * Replays a family file's cases (or one part's, see PARTS) under describe(file): each case's calls, and its
 * summary where it has one. The file's "has cases" check goes with the whole file or its first part.
 */
export function describeFamily(file: string, part?: string): void {
  describe(file, () => {
    if (part === undefined || PARTS[file]![0]![0] === part) {
      const all = familyCases(file);
      it("has cases", () => expect(all.length).toBeGreaterThan(3));
    }
    for (const c of familyCases(file, part)) {
      it(c.name, () => {
        clearSession(); // Keras auto-names from a fresh session; summaries compare names
        const built = replayCase(c);
        if (c.summary) expect(built.model.summary(() => {}).trimEnd()).toBe(c.summary.text.trimEnd());
      });
    }
  });
}
