// Type tests for Bidirectional.apply (src/layers/bidirectional/bidirectional.ts): typed by the
// wrapped layer's returnState and states and by mergeMode, as the cells are. Never run.
import {
  Bidirectional,
  GRU,
  Input,
  LSTM,
  Model,
  SimpleRNN,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from "../../src/index.js";
import type { Equal, Expect } from "./expect.js";

type S = SymbolicTensor;
const x = Input({ shape: [null, 8] });
const data = tensor(new Float32Array(16), [1, 2, 8]);

// merged (the default "concat", or sum, mul, ave): one output, with or without returnSequences
const merged = new Bidirectional(new LSTM({ units: 4, returnSequences: true })).apply(x);
type _merged = Expect<Equal<typeof merged, S>>;
const summed = new Bidirectional(new GRU({ units: 4 }), { mergeMode: "sum" }).apply(x);
type _summed = Expect<Equal<typeof summed, S>>;
const m = new Model({ inputs: x, outputs: merged });
const y: Tensor = m.predict(data);

// returnState: the output, then the forward states, then the backward ones
const lstmStates = new Bidirectional(new LSTM({ units: 4, returnState: true })).apply(x);
type _lstmStates = Expect<Equal<typeof lstmStates, [S, S, S, S, S]>>;
const [out, hF, cF, hB, cB] = lstmStates;
const gruStates = new Bidirectional(new GRU({ units: 4, returnState: true }), { mergeMode: "ave" }).apply(x);
type _gruStates = Expect<Equal<typeof gruStates, [S, S, S]>>;
const rnnStates = new Bidirectional(new SimpleRNN({ units: 4, returnState: true })).apply(x);
type _rnnStates = Expect<Equal<typeof rnnStates, [S, S, S]>>;
// @ts-expect-error: Tuple type '[SymbolicTensor, SymbolicTensor, SymbolicTensor]' of length '3' has no element at index '3'
gruStates[3];

// mergeMode null: both halves, then the states
const halves = new Bidirectional(new LSTM({ units: 4 }), { mergeMode: null }).apply(x);
type _halves = Expect<Equal<typeof halves, [S, S]>>;
const halvesStates = new Bidirectional(new LSTM({ units: 4, returnState: true }), { mergeMode: null }).apply(x);
type _halvesStates = Expect<Equal<typeof halvesStates, [S, S, S, S, S, S]>>;
const gruHalvesStates = new Bidirectional(new GRU({ units: 4, returnState: true }), { mergeMode: null }).apply(x);
type _gruHalvesStates = Expect<Equal<typeof gruHalvesStates, [S, S, S, S]>>;
// @ts-expect-error: Type '[SymbolicTensor, SymbolicTensor]' is not assignable to type 'SymbolicTensor'
const notOne: S = halves;

// eager calls: the same shapes of Tensors
const eager = new Bidirectional(new LSTM({ units: 4, returnState: true })).apply(data);
type _eager = Expect<Equal<typeof eager, [Tensor, Tensor, Tensor, Tensor, Tensor]>>;
const eagerOne: Tensor = new Bidirectional(new GRU({ units: 4 })).apply(data);

// into a model: predict returns as many Tensors
const withStates = new Model({ inputs: x, outputs: lstmStates });
type _withStates = Expect<Equal<ReturnType<typeof withStates.predict>, [Tensor, Tensor, Tensor, Tensor, Tensor]>>;

// a Bidirectional whose layer the types do not know (a loaded one): one output or a list
declare const loaded: Bidirectional;
const any = loaded.apply(x);
type _any = Expect<Equal<typeof any, S | [S, ...S[]]>>;

// a mergeMode that is not one
// @ts-expect-error: Type '"max"' is not assignable to type 'MergeMode | undefined'
new Bidirectional(new LSTM({ units: 4 }), { mergeMode: "max" });

export const used = [y, out, hF, cF, hB, cB, notOne, eagerOne];
