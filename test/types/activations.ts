// Type tests for the recurrent layers' activations (src/layers/recurrent-options.ts
// CELL_ACTIVATIONS; ConvLSTM2D takes all but softmax): the types refuse what the constructors
// refuse at run time. Never run.
import { Bidirectional, type CellActivationName, ConvLSTM2D, Dense, GRU, LSTM, SimpleRNN } from "../../src/index.js";
import type { CELL_ACTIVATIONS } from "../../src/layers/recurrent-options.js";
import type { Equal, Expect } from "./expect.js";

// the type is the run-time list
type _same = Expect<Equal<CellActivationName, (typeof CELL_ACTIVATIONS)[number]>>;
type _list = Expect<
  Equal<CellActivationName, "linear" | "relu" | "tanh" | "sigmoid" | "hard_sigmoid" | "hard_sigmoid_legacy">
>;

new LSTM({ units: 2, activation: "relu", recurrentActivation: "hard_sigmoid" });
new LSTM({ units: 2, activation: null, recurrentActivation: "hard_sigmoid_legacy" });
new GRU({ units: 2, activation: "linear", recurrentActivation: "sigmoid" });
new SimpleRNN({ units: 2, activation: "tanh" });
new Dense({ units: 2, activation: "softmax" });
new ConvLSTM2D({ filters: 2, kernelSize: 3, activation: "gelu", recurrentActivation: "hard_silu" });

// @ts-expect-error: '"softmax"' is not assignable to type '"linear" | "relu" | "tanh" | "sigmoid" | "hard_sigmoid" | "hard_sigmoid_legacy" | null | undefined'
new LSTM({ units: 2, activation: "softmax" });
// @ts-expect-error: Type '"softmax"' is not assignable to type '"linear" | "relu"
new LSTM({ units: 2, recurrentActivation: "softmax" });
// @ts-expect-error: Type '"softmax"' is not assignable to type '"linear" | "relu"
new GRU({ units: 2, recurrentActivation: "softmax" });
// @ts-expect-error: Type '"gelu"' is not assignable to type '"linear" | "relu"
new SimpleRNN({ units: 2, activation: "gelu" });
// @ts-expect-error: Type '"log_softmax"' is not assignable to type '"linear" | "relu"
new Bidirectional(new GRU({ units: 2, activation: "log_softmax" }));
// @ts-expect-error: Type '"softmax"' is not assignable to type
new ConvLSTM2D({ filters: 2, kernelSize: 3, activation: "softmax" });
// @ts-expect-error: Type '"softmax"' is not assignable to type
new ConvLSTM2D({ filters: 2, kernelSize: 3, recurrentActivation: "softmax" });
