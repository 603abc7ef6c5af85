// The implementations bench/streams.mjs times: N streams of one LSTM, each advanced by one step
// (T = 1) per call, the states carried from call to call.
//
// Every implementation is { name, async, feed(x), run(), read(), dispose() }:
// - feed(x) sets the next step's input of every stream (x: Float32Array [N * I], stream-major);
// - run() advances all N streams by one step: what is timed;
// - read() gives the last step's outputs and the streams' states, { y, h, c } (each [N * H]), for
//   the check against ours (not timed).
//
// ours:      StreamPool over a plain `Input -> LSTM` model: `stepMany` (all N in one call), or N
//            `step` calls.
// onnxruntime (node native, web wasm): one LSTM op with initial_h / initial_c in and Y_h / Y_c out
//            (onnx-model.mjs, `states: true`), the states held by the caller as its users must:
//            - batched: a careful user's way: gather the N streams' inputs and states into one
//              [1, N, .] batch, one `run`, scatter Y_h and Y_c back into each stream's arrays;
//            - per stream: N awaited `run`s of batch 1, each stream's Y_h / Y_c tensors fed back
//              as its next initial_h / initial_c (no copies).

import { buildRecurrentOnnx } from "./onnx-model.mjs";

/** ours: a pool of N streams over `model`; mode "many" = one stepMany, "step" = N step calls. */
export function oursStreams(lib, model, { N, I, H }, mode) {
  const pool = new lib.StreamPool(model, { maxStreams: N });
  const ids = Array.from({ length: N }, (_, s) => `user-${s}`);
  let items = [];
  let last = [];
  return {
    name: mode === "many" ? "ours stepMany" : "ours step",
    async: false,
    feed(x) {
      items = ids.map((id, s) => ({ id, x: lib.tensor(x.slice(s * I, (s + 1) * I), [1, 1, I]) }));
    },
    run:
      mode === "many"
        ? () => {
            last = pool.stepMany(items);
          }
        : () => {
            last = items.map((item) => pool.step(item.id, item.x));
          },
    read() {
      const out = { y: new Float32Array(N * H), h: new Float32Array(N * H), c: new Float32Array(N * H) };
      ids.forEach((id, s) => {
        out.y.set(last[s].data, s * H);
        const [[h, c]] = pool.getLayerStates(id);
        out.h.set(h.data, s * H);
        out.c.set(c.data, s * H);
      });
      return out;
    },
    dispose: () => pool.dispose(),
  };
}

/** An onnxruntime session of the LSTM with states in and out, batch B, one step. */
export function createStepSession(peer, { B, I, H }, weights) {
  return peer.ort.InferenceSession.create(
    buildRecurrentOnnx("LSTM", { B, T: 1, I, H }, weights, { states: true }),
    peer.options,
  );
}

/** onnxruntime, N streams in one batched run: inputs and states gathered, new states scattered. */
export function ortBatched(peer, session, { N, I, H }) {
  const { Tensor } = peer.ort;
  const streams = Array.from({ length: N }, () => ({ h: new Float32Array(H), c: new Float32Array(H) }));
  let inputs = [];
  let lastY = null;
  const x = new Float32Array(N * I);
  const h = new Float32Array(N * H);
  const c = new Float32Array(N * H);
  return {
    name: `${peer.name} batched`,
    async: true,
    feed(all) {
      inputs = streams.map((_, s) => all.slice(s * I, (s + 1) * I));
    },
    async run() {
      for (let s = 0; s < N; s++) {
        x.set(inputs[s], s * I);
        h.set(streams[s].h, s * H);
        c.set(streams[s].c, s * H);
      }
      const out = await session.run({
        X: new Tensor("float32", x, [1, N, I]),
        initial_h: new Tensor("float32", h, [1, N, H]),
        initial_c: new Tensor("float32", c, [1, N, H]),
      });
      const yh = out.Y_h.data;
      const yc = out.Y_c.data;
      for (let s = 0; s < N; s++) {
        streams[s].h.set(yh.subarray(s * H, (s + 1) * H));
        streams[s].c.set(yc.subarray(s * H, (s + 1) * H));
      }
      lastY = yh;
    },
    read: () => ({
      y: Float32Array.from(lastY),
      h: concat(streams.map((st) => st.h)),
      c: concat(streams.map((st) => st.c)),
    }),
    dispose() {},
  };
}

/** onnxruntime, N streams one awaited batch-1 run after another, each carrying its own tensors. */
export function ortPerStream(peer, session, { N, I, H }) {
  const { Tensor } = peer.ort;
  const zeros = () => new Tensor("float32", new Float32Array(H), [1, 1, H]);
  const streams = Array.from({ length: N }, () => ({ h: zeros(), c: zeros(), x: null }));
  return {
    name: `${peer.name} per stream`,
    async: true,
    feed(all) {
      streams.forEach((st, s) => {
        st.x = new Tensor("float32", all.slice(s * I, (s + 1) * I), [1, 1, I]);
      });
    },
    async run() {
      for (const st of streams) {
        const out = await session.run({ X: st.x, initial_h: st.h, initial_c: st.c });
        st.h = out.Y_h;
        st.c = out.Y_c;
      }
    },
    read: () => {
      const h = concat(streams.map((st) => st.h.data));
      return { y: h, h, c: concat(streams.map((st) => st.c.data)) };
    },
    dispose() {},
  };
}

function concat(parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
