// Type tests for what Model.predict and Model.apply return (src/model/outputs.ts): checked by
// `npm run typecheck` (an unused @ts-expect-error fails it) and by test/types/types.test.ts, which
// also checks that each expected error is the one named after it. Never run.
import {
  type AnyOutputs,
  Dense,
  Input,
  LSTM,
  loadModel,
  Model,
  Sequential,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from "../../src/index.js";
import type { Equal, Expect } from "./expect.js";

const x = Input({ shape: [3, 1] });
const data = tensor([0.1, 0.2, 0.3], [1, 3, 1]);

// one output tensor: predict returns a Tensor
const one = new Model({ inputs: x, outputs: new LSTM({ units: 1 }).apply(x) });
const y: Tensor = one.predict(data);
type _one = Expect<Equal<ReturnType<typeof one.predict>, Tensor>>;
y.shape;
// @ts-expect-error: Property '0' does not exist on type 'Tensor'
one.predict(data)[0];

// a tuple of outputs: a tuple of Tensors of the same length
const [seq, h, c] = new LSTM({ units: 1, returnSequences: true, returnState: true }).apply(x);
const three = new Model({ inputs: x, outputs: [seq, h, c] });
const out = three.predict(data);
type _three = Expect<Equal<typeof out, [Tensor, Tensor, Tensor]>>;
out[0].shape;
// @ts-expect-error: Tuple type '[Tensor, Tensor, Tensor]' of length '3' has no element at index '3'
out[3];
// @ts-expect-error: Type '[Tensor, Tensor, Tensor]' is not assignable to type 'Tensor'
const notOne: Tensor = three.predict(data);
const [p0, p1, p2] = three.predict([data]);
type _each = Expect<Equal<[typeof p0, typeof p1, typeof p2], [Tensor, Tensor, Tensor]>>;

// a list of one is a list (as at run time), a readonly tuple a tuple, a plain array an array
type _listOfOne = Expect<Equal<ReturnType<Model<[SymbolicTensor]>["predict"]>, [Tensor]>>;
const constTuple = new Model({ inputs: x, outputs: [h, c] as const });
type _const = Expect<Equal<ReturnType<typeof constTuple.predict>, [Tensor, Tensor]>>;
const list: SymbolicTensor[] = [h, c];
const many = new Model({ inputs: x, outputs: list });
type _many = Expect<Equal<ReturnType<typeof many.predict>, Tensor[]>>;

// apply: symbolic in, the same shape of symbolic outputs; concrete in, as predict
const z = Input({ shape: [3, 1] });
const sym: SymbolicTensor = one.apply(z);
const [s0, s1, s2] = three.apply(z);
type _applyThree = Expect<Equal<[typeof s0, typeof s1, typeof s2], [SymbolicTensor, SymbolicTensor, SymbolicTensor]>>;
const eager: Tensor = one.apply(data);
// @ts-expect-error: Type 'SymbolicTensor' is missing the following properties from type 'Tensor'
const wrong: Tensor = one.apply(z);
const nested = new Model({ inputs: z, outputs: new Dense({ units: 2 }).apply(one.apply(z)) });
type _nested = Expect<Equal<ReturnType<typeof nested.predict>, Tensor>>;

// a model whose outputs the types do not know: one Tensor or a list
declare const general: Model;
type _general = Expect<Equal<ReturnType<typeof general.predict>, Tensor | Tensor[]>>;
type _default = Expect<Equal<Model, Model<AnyOutputs>>>;
// @ts-expect-error: Type 'Tensor | Tensor[]' is not assignable to type 'Tensor'
const unknownOne: Tensor = general.predict(data);

// every typed model is a Model (callbacks, loadWeights and saveModel take one); not the reverse
const asGeneral: Model[] = [one, three, many, constTuple];
// @ts-expect-error: Type 'Model<AnyOutputs>' is not assignable to type 'Model<SymbolicTensor>'
const narrowed: Model<SymbolicTensor> = general;

// outputs must be symbolic
// @ts-expect-error: Type 'Tensor' is not assignable to type 'ModelOutputs'
new Model({ inputs: x, outputs: data });

// Sequential: one output
const stack = new Sequential({ layers: [Input({ shape: [3, 1] }), new LSTM({ units: 2 }), new Dense({ units: 1 })] });
const ys: Tensor = stack.predict(data);
const symStack: SymbolicTensor = stack.apply(z);
type _seq = Expect<Equal<ReturnType<typeof stack.predict>, Tensor>>;

// loaded models: AnyOutputs unless the caller says what the file holds
async function loaded() {
  const m = await loadModel("model.keras");
  type _loaded = Expect<Equal<ReturnType<typeof m.predict>, Tensor | Tensor[]>>;
  const single = await loadModel<SymbolicTensor>("model.keras");
  const t: Tensor = single.predict(data);
  const pair = await loadModel<[SymbolicTensor, SymbolicTensor]>("model.keras");
  const [a, b] = pair.predict(data);
  // @ts-expect-error: Type 'Tensor | Tensor[]' is not assignable to type 'Tensor'
  const guessed: Tensor = m.predict(data);
  return [t, a, b, guessed];
}

export const used = [y, notOne, sym, eager, wrong, unknownOne, asGeneral, narrowed, ys, symStack, loaded];
