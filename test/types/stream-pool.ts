// Type tests for StreamPool (src/stream/stream-pool.ts): step and stepMany return what the model's
// predict returns. Checked by `npm run typecheck` and test/types/types.test.ts; never run.
import { Input, LSTM, loadModel, Model, StreamPool, type Tensor, tensor } from "../../src/index.js";
import type { Equal, Expect } from "./expect.js";

const x = Input({ shape: [null, 2] });
const chunk = tensor([0.1, 0.2], [1, 1, 2]);

const one = new StreamPool(new Model({ inputs: x, outputs: new LSTM({ units: 3 }).apply(x) }));
const y: Tensor = one.step("a", chunk);
type _one = Expect<Equal<ReturnType<typeof one.step>, Tensor>>;
type _many = Expect<Equal<ReturnType<typeof one.stepMany>, Tensor[]>>;
y.shape;

const [out, h, c] = new LSTM({ units: 3, returnState: true }).apply(x);
const withStates = new Model({ inputs: x, outputs: [out, h, c] });
const three = new StreamPool(withStates);
const [y0, h0, c0] = three.step("a", chunk);
type _three = Expect<Equal<[typeof y0, typeof h0, typeof c0], [Tensor, Tensor, Tensor]>>;
// @ts-expect-error: Type '[Tensor, Tensor, Tensor]' is not assignable to type 'Tensor'
const notOne: Tensor = three.step("a", chunk);

const loaded = new StreamPool(await loadModel("model.keras"));
type _loaded = Expect<Equal<ReturnType<typeof loaded.step>, Tensor | Tensor[]>>;
// @ts-expect-error: Argument of type 'number' is not assignable to parameter of type 'string'
one.step(42, chunk);

// a model written inline keeps its tuple of outputs
const inline = new StreamPool(new Model({ inputs: x, outputs: [out, h, c] }));
type _inline = Expect<Equal<ReturnType<typeof inline.step>, [Tensor, Tensor, Tensor]>>;
const inlineOne = new StreamPool(new Model({ inputs: x, outputs: out }));
type _inlineOne = Expect<Equal<ReturnType<typeof inlineOne.step>, Tensor>>;
