// predict(x, { batchSize }): Keras's batch_size, bounding the workspace for large inputs.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  GRU,
  Input,
  LSTM,
  Model,
  memoryBytes,
  ready,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { expectClose } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});

const list = (o: Tensor | Tensor[]) => (Array.isArray(o) ? o : [o]);

describe("predict with batchSize", () => {
  it("gives the whole-batch outputs, for every output, and even sizes bit for bit", () => {
    const x = Input({ shape: [6, 3] });
    const [seq, h, c] = new LSTM({ units: 7, returnSequences: true, returnState: true }).apply(x);
    const model = new Model({ inputs: x, outputs: [new Dense({ units: 2 }).apply(seq), h, c] });
    const input = tensor(
      Float32Array.from({ length: 11 * 6 * 3 }, (_, i) => Math.cos(i * 0.3)),
      [11, 6, 3],
    );
    const whole = list(model.predict(input));
    const even = list(model.predict(input, { batchSize: 4 }));
    even.forEach((t, i) => {
      expect(t.shape).toEqual(whole[i]!.shape);
      expect(Array.from(t.data)).toEqual(Array.from(whole[i]!.data));
    });
    const odd = list(model.predict(input, { batchSize: 3 }));
    odd.forEach((t, i) => expectClose(t, whole[i]!, `batchSize 3 output ${i}`, { atol: 1e-6, rtol: 1e-5 }));
  });

  it("bounds wasm memory by the batch, not the input", () => {
    const x = Input({ shape: [50, 16] });
    const model = new Model({ inputs: x, outputs: new GRU({ units: 64, returnSequences: true }).apply(x) });
    const big = tensor(new Float32Array(400 * 50 * 16).fill(0.1), [400, 50, 16]);
    const before = memoryBytes();
    const out = model.predict(big, { batchSize: 16 }) as Tensor;
    expect(out.shape).toEqual([400, 50, 64]);
    // one 16-row plan: far below what the 400-row workspace (xw alone 400*50*192*4 = 15 MB) needs
    expect(memoryBytes() - before).toBeLessThan(4 * 2 ** 20);
  });

  it("refuses a batchSize that is not a positive integer", () => {
    const x = Input({ shape: [2, 1] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 1 }).apply(x), name: "bs" });
    expect(() => model.predict([[[1], [2]]], { batchSize: 0 })).toThrow(WasmRnnError);
    expect(() => model.predict([[[1], [2]]], { batchSize: 1.5 })).toThrow(
      /Model 'bs': expected batchSize to be a positive integer, got 1.5/,
    );
  });
});
