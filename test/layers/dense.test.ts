// Dense against real Keras 3 (tools/gen_keras_cases.py -> test/cases/dense.json), on 2-D and 3-D inputs.
import { beforeAll, describe, it } from "vitest";
import { Dense, type DenseArgs, Input, Model, ready } from "../../src/index.js";
import { decode, type EncodedArray, type LayerCase, loadCases, replay } from "../helpers/cases.js";

interface DenseCase extends LayerCase<DenseArgs> {
  name: string;
  kind: "dense";
  inputs: EncodedArray[];
  outputs: EncodedArray[];
}
beforeAll(async () => {
  await ready();
});

describe("Dense (Keras 3)", () => {
  const file = loadCases<DenseCase>("dense.json");
  for (const c of file.cases) {
    it(c.name, () => {
      const x = decode(c.inputs[0]!);
      const inp = Input({ shape: x.shape.slice(1) });
      const dense = new Dense(c.config);
      const y = dense.apply(inp);
      dense.setWeights(c.weights.map(decode));
      replay(new Model({ inputs: inp, outputs: y }), c.inputs, c.outputs, c.name);
    });
  }
});
