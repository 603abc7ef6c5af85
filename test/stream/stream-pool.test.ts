// StreamPool against real Keras (test/cases/streams.json, tools/gen_stream_cases.py): each recorded
// sequence fed to a stream in chunks gives what Keras's predict gives for the whole sequence, with
// masks and int tokens; stepMany gives what step gives; the tutorial reader's cell-state exchange.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  StreamPool,
  setRandomSeed,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { decode, type EncodedArray, expectClose, loadCases, ROOT } from "../helpers/cases.js";

interface StreamCase {
  name: string;
  file: string;
  x: EncodedArray & { dtype?: string };
  chunks?: number[];
  outputs: EncodedArray[];
}

const file = loadCases<StreamCase>("streams.json");
const chunked = file.cases.filter((c) => c.chunks);
const exchange = file.cases.find((c) => c.name === "exchange")!;
const models = new Map<string, Model>();

function input(c: StreamCase): Tensor {
  if (c.x.dtype !== "int32") return decode(c.x);
  const bytes = Buffer.from(c.x.b64, "base64");
  return tensor(
    new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    c.x.shape,
    "int32",
  );
}

/** Steps [t0, t1) of row b of x, as one stream's [1, t1 - t0, ...] input. */
function chunk(x: Tensor, b: number, t0: number, t1: number): Tensor {
  const [B, T] = x.shape as [number, number];
  const step = x.size / (B * T);
  const data = x.data.subarray((b * T + t0) * step, (b * T + t1) * step);
  return tensor(data.slice(), [1, t1 - t0, ...x.shape.slice(2)], x.dtype);
}

/** Row b of a Keras output: [1, ...]; for sequences only steps [t0, t1). */
function wantRow(w: Tensor, b: number, t0?: number, t1?: number): Tensor {
  const rowSize = w.size / w.shape[0]!;
  const row = w.data.subarray(b * rowSize, (b + 1) * rowSize);
  if (t0 === undefined || w.shape.length < 3) return tensor(row.slice(), [1, ...w.shape.slice(1)]);
  const feat = w.shape[2]!;
  return tensor(row.slice(t0! * feat, t1! * feat), [1, t1! - t0!, feat]);
}

const outputsOf = (y: Tensor | Tensor[]): Tensor[] => (Array.isArray(y) ? y : [y]);

beforeAll(async () => {
  await ready();
  for (const c of file.cases) models.set(c.name, await loadModel(join(ROOT, c.file)));
});

describe("StreamPool against Keras", () => {
  it.each(chunked.map((c) => [c.name, c] as const))(
    "%s: chunks of each sequence give Keras's whole-sequence outputs",
    (_n, c) => {
      const model = models.get(c.name)!;
      const x = input(c);
      const wants = c.outputs.map(decode);
      const pool = new StreamPool(model);
      for (let b = 0; b < x.shape[0]!; b++) {
        let t0 = 0;
        for (const [k, n] of c.chunks!.entries()) {
          const ys = outputsOf(pool.step(`row${b}`, chunk(x, b, t0, t0 + n)));
          expect(ys).toHaveLength(wants.length);
          ys.forEach((y, i) => {
            const w = wants[i]!;
            // sequences: this chunk's steps; last outputs and states: checked after the last chunk
            if (w.shape.length === 3)
              expectClose(y, wantRow(w, b, t0, t0 + n), `${c.name} row ${b} chunk ${k} output ${i}`);
            else if (k === c.chunks!.length - 1) expectClose(y, wantRow(w, b), `${c.name} row ${b} output ${i}`);
          });
          t0 += n;
        }
      }
      expect(pool.size).toBe(x.shape[0]);
      pool.dispose();
    },
  );

  it.each(chunked.map((c) => [c.name, c] as const))(
    "%s: stepMany over every row at once equals step row by row",
    (_n, c) => {
      const model = models.get(c.name)!;
      const x = input(c);
      const many = new StreamPool(model);
      const one = new StreamPool(model);
      const B = x.shape[0]!;
      let t0 = 0;
      for (const n of c.chunks!) {
        // the rows in reverse order, so a stream's row in the batch is not its row in x
        const items = Array.from({ length: B }, (_, i) => ({
          id: `s${B - 1 - i}`,
          x: chunk(x, B - 1 - i, t0, t0 + n),
        }));
        const together = many.stepMany(items);
        items.forEach((item, i) => {
          const alone = outputsOf(one.step(item.id, item.x));
          outputsOf(together[i]!).forEach((y, j) =>
            expectClose(y, alone[j]!, `${c.name} ${item.id} output ${j}`, { atol: 1e-6, rtol: 1e-6 }),
          );
        });
        t0 += n;
      }
      many.dispose();
      one.dispose();
    },
  );

  it("exchange: two streams whose cell states are swapped after every step give Keras's outputs", () => {
    const model = models.get("exchange")!; // Keras's stateful LSTM with batch 2: the pool ignores its own states
    const x = decode(exchange.x);
    const want = decode(exchange.outputs[0]!);
    const pool = new StreamPool(model);
    const T = x.shape[1]!;
    for (let t = 0; t < T; t++) {
      const [ya, yb] = pool.stepMany([
        { id: "a", x: chunk(x, 0, t, t + 1) },
        { id: "b", x: chunk(x, 1, t, t + 1) },
      ]) as Tensor[];
      expectClose(ya!, wantRow(want, 0, t, t + 1), `stream a step ${t}`);
      expectClose(yb!, wantRow(want, 1, t, t + 1), `stream b step ${t}`);
      const [[ha, ca]] = pool.getLayerStates("a") as [[Tensor, Tensor]];
      const [[hb, cb]] = pool.getLayerStates("b") as [[Tensor, Tensor]];
      pool.setLayerStates("a", [[ha, cb]]);
      pool.setLayerStates("b", [[hb, ca]]);
    }
    // the model's own stored states were never touched
    expect(
      Array.from((model.layers[1] as unknown as { getStates(): Tensor[] }).getStates()[0]!.data).every((v) => v === 0),
    ).toBe(true);
  });

  it("a chunk whose steps are all masked returns the stream's latest output, as the whole sequence does", () => {
    const c = chunked.find((k) => k.name === "masked_gru_simple_rnn")!;
    const model = models.get(c.name)!;
    const x = input(c);
    const want = decode(c.outputs[0]!);
    const pool = new StreamPool(model);
    // row 2's last step is masked: its final chunk (one step) is all masked
    pool.step("r", chunk(x, 2, 0, 7));
    const y = pool.step("r", chunk(x, 2, 7, 8)) as Tensor;
    expectClose(y, wantRow(want, 2), "masked last chunk");
  });
});

describe("stepMany bookkeeping", () => {
  function pools(): [StreamPool, StreamPool] {
    setRandomSeed(3);
    const x = Input({ shape: [null, 3] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 5, returnSequences: true }).apply(x) });
    return [new StreamPool(model), new StreamPool(model)];
  }
  const steps = (n: number, k: number) =>
    tensor(
      Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 0.7 + k)),
      [1, n, 3],
    );

  // 13 streams run as 16 rows, and as 6 + 6 + 4 when their step counts differ: padding rows in
  // every batch (main before this test scattered an LSTM's c from the wrong rows when n < rows)
  it("streams with different step counts, or a count that is not a batch size, equal step, call after call", () => {
    const [many, one] = pools();
    for (let call = 0; call < 4; call++) {
      const mixed = call % 2 === 0;
      const items = Array.from({ length: 13 }, (_, i) => ({
        id: `s${(i * 5) % 13}`,
        x: steps(mixed ? 1 + ((i + call) % 3) : 1, i + call),
      }));
      const together = many.stepMany(items) as Tensor[];
      items.forEach((item, i) => {
        const alone = one.step(item.id, item.x) as Tensor;
        expectClose(together[i]!, alone, `call ${call} ${item.id}`, { atol: 1e-6, rtol: 1e-6 });
      });
    }
    expect(many.ids()).toEqual(one.ids());
    for (const id of one.ids()) {
      const [[h, c]] = many.getLayerStates(id);
      const [[h1, c1]] = one.getLayerStates(id);
      expectClose(h!, h1!, `${id} h`, { atol: 1e-6, rtol: 1e-6 });
      expectClose(c!, c1!, `${id} c`, { atol: 1e-6, rtol: 1e-6 });
    }
  });

  it("an id given twice, held or new, is refused and changes no stream nor the use order", () => {
    const [pool] = pools();
    pool.stepMany([
      { id: "a", x: steps(1, 0) },
      { id: "b", x: steps(1, 1) },
    ]);
    const before = { a: pool.getState("a"), b: pool.getState("b"), ids: pool.ids() };
    for (const twice of ["a", "c"]) {
      expect(() =>
        pool.stepMany([
          { id: "b", x: steps(1, 2) },
          { id: twice, x: steps(1, 3) },
          { id: twice, x: steps(1, 4) },
        ]),
      ).toThrow(new RegExp(`"${twice}" twice`));
      expect(pool.getState("a")).toEqual(before.a);
      expect(pool.getState("b")).toEqual(before.b);
      expect(pool.ids()).toEqual(before.ids);
      expect(pool.has("c")).toBe(false);
    }
    // the refused call leaves no claim behind: the same ids step in the next call
    pool.stepMany([
      { id: "b", x: steps(1, 2) },
      { id: "a", x: steps(1, 3) },
    ]);
    expect(pool.ids()).toEqual(["b", "a"]);
  });

  it("ids() follow use order over step, setState, delete and an id that comes back", () => {
    const [pool] = pools();
    for (const id of ["a", "b", "c", "d"]) pool.step(id, steps(1, 0));
    pool.step("b", steps(1, 1));
    pool.setState("a", pool.getState("c"));
    expect(pool.ids()).toEqual(["c", "d", "b", "a"]);
    pool.delete("d");
    pool.stepMany([
      { id: "d", x: steps(1, 2) },
      { id: "c", x: steps(1, 3) },
    ]);
    expect(pool.ids()).toEqual(["b", "a", "d", "c"]);
    // d came back from zero states: as a new stream's first step
    const [fresh] = pools();
    fresh.step("d", steps(1, 2));
    expect(pool.getState("d")).toEqual(fresh.getState("d"));
    pool.clear();
    expect(pool.ids()).toEqual([]);
    pool.step("e", steps(1, 4));
    expect(pool.ids()).toEqual(["e"]);
  });
});
