// Runtime-neutral checks, run unchanged in Node, Deno, Bun, workerd and Chromium: the Keras cases
// (a subset of test/cases/*.json, picked by pickCases below) replayed through the public API, each
// output checked against Keras's numbers within 1e-5 + 1e-4·|want|, plus one hash over every output
// bit. Uses only the package's public API and web-standard globals (atob, Float32Array).

/** Picks the cases every runtime replays: all tutorial and Dense cases, a spread of the rest. */
export function pickCases(files) {
  const every = (list, n) => list.filter((_, i) => i % n === 0);
  return {
    keras_version: files.tutorial.keras_version,
    tolerance: files.tutorial.tolerance,
    tutorial: files.tutorial.cases,
    lstm: every(files.random.cases, 5),
    encoderDecoder: every(files.encoderDecoder.cases, 2),
    dense: files.dense.cases,
    // training: the fit cases whose model is a chain of these layers (replayed through fit)
    train: files.train.cases.filter(
      (c) =>
        !c.model.sequential &&
        c.model.inputs.length === 1 &&
        c.model.layers.every((l) => ["Embedding", "LSTM", "GRU", "SimpleRNN", "Dense"].includes(l.class)),
    ),
    trainTolerance: files.train.tolerance,
    // integer tokens into float32 (Keras's default) inputs: every case of tools/gen_keras_inputs.py
    intTokens: files.inputs.cases,
  };
}

function decodeArray(lib, a) {
  const binary = atob(a.b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (a.dtype === "int32") return lib.tensor(new Int32Array(bytes.buffer), a.shape, "int32");
  return lib.tensor(new Float32Array(bytes.buffer), a.shape);
}

/** 53-bit hash (cyrb53) over the bytes of every output, in order. */
function hasher() {
  let h1 = 0xdeadbeef,
    h2 = 0x41c6ce57;
  return {
    add(t) {
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      for (let i = 0; i < bytes.length; i++) {
        h1 = Math.imul(h1 ^ bytes[i], 2654435761);
        h2 = Math.imul(h2 ^ bytes[i], 1597334677);
      }
    },
    hex() {
      const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
      const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
      return (4294967296 * (2097151 & b) + (a >>> 0)).toString(16).padStart(14, "0");
    },
  };
}

function compare(got, want, tol) {
  if (got.shape.join(",") !== want.shape.join(",")) return `shape [${got.shape}], Keras [${want.shape}]`;
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i],
      w = want.data[i];
    if (!(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w))) return `element ${i} is ${g}, Keras gives ${w}`;
  }
  return null;
}

function lstmModel(lib, c, dec) {
  const x = dec(c.inputs[0]);
  const inp = lib.Input({ shape: x.shape.slice(1) });
  const layer = new lib.LSTM(c.config);
  let inputs = [inp],
    outs;
  if (c.kind === "lstm_initial_state") {
    const h0 = lib.Input({ shape: [c.config.units] }),
      c0 = lib.Input({ shape: [c.config.units] });
    inputs = [inp, h0, c0];
    outs = layer.apply(inp, { initialState: [h0, c0] });
  } else {
    outs = layer.apply(inp);
  }
  layer.setWeights(c.weights.map(dec));
  return new lib.Model({ inputs, outputs: Array.isArray(outs) ? outs : [outs] });
}

function encoderDecoderModel(lib, c, dec) {
  const encX = dec(c.inputs[0]),
    decX = dec(c.inputs[1]);
  const encIn = lib.Input({ shape: encX.shape.slice(1) }),
    decIn = lib.Input({ shape: decX.shape.slice(1) });
  const encoder = new lib.LSTM({ ...c.encoder.config, returnState: true });
  const [, h, cell] = encoder.apply(encIn);
  const decoder = new lib.LSTM({ ...c.decoder.config, returnSequences: true, returnState: true });
  const [y, dh, dc] = decoder.apply(decIn, { initialState: [h, cell] });
  encoder.setWeights(c.encoder.weights.map(dec));
  decoder.setWeights(c.decoder.weights.map(dec));
  let out = y;
  if (c.dense) {
    const dense = new lib.Dense(c.dense.config);
    out = dense.apply(y);
    dense.setWeights(c.dense.weights.map(dec));
  }
  return new lib.Model({ inputs: [encIn, decIn], outputs: [out, dh, dc] });
}

/** A fit case's chain model (Input -> layers one after another) with its initial weights. */
function chainModel(lib, c, dec) {
  const spec = c.model.inputs[0];
  const shapeArgs = spec.batchShape ? { batchShape: spec.batchShape } : { shape: spec.shape };
  let t = lib.Input({ ...shapeArgs, dtype: spec.dtype ?? "float32" });
  const input = t;
  const layers = c.model.layers.map((l) => {
    const layer = new lib[l.class](l.config);
    t = layer.apply(t);
    return [layer, l];
  });
  const model = new lib.Model({ inputs: input, outputs: t });
  for (const [layer, l] of layers) if (l.weights.length) layer.setWeights(l.weights.map(dec));
  return model;
}

function denseModel(lib, c, dec) {
  const x = dec(c.inputs[0]);
  const inp = lib.Input({ shape: x.shape.slice(1) });
  const dense = new lib.Dense(c.config);
  const y = dense.apply(inp);
  dense.setWeights(c.weights.map(dec));
  return new lib.Model({ inputs: inp, outputs: y });
}

/** A graph case of the layer harness (inputs, layers calling each other by id, outputs) with its weights. */
function graphModel(lib, c, dec) {
  const t = {};
  const ins = c.model.inputs.map((s) => {
    t[s.id] = lib.Input({
      ...(s.batchShape ? { batchShape: s.batchShape } : { shape: s.shape }),
      dtype: s.dtype ?? "float32",
    });
    return t[s.id];
  });
  for (const l of c.model.layers) {
    const layer = new lib[l.class](l.config);
    const args = l.inputs.map((r) => t[r]);
    const out = layer.apply(args.length > 1 ? args : args[0]);
    (Array.isArray(out) ? out : [out]).forEach((o, i) => {
      t[`${l.id}:${i}`] = o;
    });
    if (l.weights.length) layer.setWeights(l.weights.map(dec));
  }
  return new lib.Model({ inputs: ins, outputs: c.model.outputs.map((r) => t[r]) });
}

/**
 * Integer tokens as users pass them (int32 tensors of Int32Array / Uint16Array, nested int arrays) into the
 * first input of each case, whatever its dtype: the outputs must be Keras's (given float tokens).
 */
function intTokenProblems(lib, c, dec, tol, hash) {
  const model = graphModel(lib, c, dec);
  const xs = c.inputs.map(dec);
  const ints = Int32Array.from(xs[0].data);
  const forms = [
    ["int32 tensor", lib.tensor(ints, xs[0].shape, "int32")],
    ["int32 tensor of a Uint16Array", lib.tensor(Uint16Array.from(ints), xs[0].shape, "int32")],
    ["nested int arrays", lib.tensor(ints, xs[0].shape, "int32").toArray()],
  ];
  const problems = [];
  for (const [kind, first] of forms) {
    let got = model.predict(xs.length === 1 ? first : [first, ...xs.slice(1)]);
    if (!Array.isArray(got)) got = [got];
    got.forEach((g, i) => {
      const p = compare(g, dec(c.outputs[i]), tol);
      if (p) problems.push(`${kind}: output ${i}: ${p}`);
      hash.add(g);
    });
  }
  model.dispose();
  return problems;
}

/**
 * Instantiates the core with `simd` ("plain" | "relaxed" | "auto"), replays the picked cases and
 * returns a plain-JSON report: { build, relaxedSimd, loader, passed, failed, failures, hash,
 * tutorialBoth } (tutorialBoth: the outputs of the tutorial's returnSequences + returnState model).
 */
export async function runChecks(lib, picked, simd = "auto") {
  // "threads": the shared-memory build with a worker pool (its kernels are the plain ones)
  await lib.ready(simd === "threads" ? { threads: 2 } : { simd });
  const info = lib.coreInfo();
  const dec = (a) => decodeArray(lib, a);
  const tol = picked.tolerance;
  const hash = hasher();
  const failures = [];
  let passed = 0;
  let tutorialBoth = null;
  const groups = [
    ["tutorial", picked.tutorial, lstmModel],
    ["lstm", picked.lstm, lstmModel],
    ["encoder-decoder", picked.encoderDecoder, encoderDecoderModel],
    ["dense", picked.dense, denseModel],
  ];
  for (const [group, cases, build] of groups) {
    for (const c of cases) {
      const label = `${group}/${c.name}`;
      try {
        const model = build(lib, c, dec);
        let got = model.predict(c.inputs.map(dec));
        if (!Array.isArray(got)) got = [got];
        if (got.length !== c.outputs.length) throw new Error(`${got.length} outputs, Keras ${c.outputs.length}`);
        const problems = got
          .map((t, i) => compare(t, dec(c.outputs[i]), tol))
          .map((p, i) => p && `output ${i}: ${p}`)
          .filter(Boolean);
        got.forEach((t) => hash.add(t));
        if (c.name === "tutorial_both") tutorialBoth = got.map((t) => ({ shape: t.shape, data: Array.from(t.data) }));
        model.dispose?.();
        if (problems.length) failures.push(`${label}: ${problems.join("; ")}`);
        else passed++;
      } catch (err) {
        failures.push(`${label}: threw ${err && err.stack ? err.stack : err}`);
      }
    }
  }
  for (const c of picked.intTokens) {
    const label = `int-tokens/${c.name}`;
    try {
      const problems = intTokenProblems(lib, c, dec, tol, hash);
      if (problems.length) failures.push(`${label}: ${problems.join("; ")}`);
      else passed++;
    } catch (err) {
      failures.push(`${label}: threw ${err && err.stack ? err.stack : err}`);
    }
  }
  for (const c of picked.train) {
    const label = `train/${c.name}`;
    try {
      const model = chainModel(lib, c, dec);
      const { name, ...config } = c.compile.optimizer;
      model.compile({ optimizer: { className: name, config }, loss: c.compile.loss });
      const x = dec(c.x[0]),
        y = dec(c.y[0]);
      const history = await model.fit(x, y, c.fit);
      const problems = [];
      history.history.loss.forEach((l, e) => {
        const want = c.history[e];
        const tol = picked.trainTolerance;
        if (!(Math.abs(l - want) <= tol.atol + tol.rtol * Math.abs(want)))
          problems.push(`epoch ${e} loss ${l}, Keras ${want}`);
      });
      const weights = model.getWeights();
      c.weights.forEach((w, i) => {
        const p = compare(weights[i], dec(w), picked.trainTolerance);
        if (p) problems.push(`weight ${i}: ${p}`);
        hash.add(weights[i]);
      });
      model.dispose();
      if (problems.length) failures.push(`${label}: ${problems.join("; ")}`);
      else passed++;
    } catch (err) {
      failures.push(`${label}: threw ${err && err.stack ? err.stack : err}`);
    }
  }
  return {
    ...info,
    passed,
    failed: failures.length,
    failures,
    hash: hash.hex(),
    tutorialBoth,
    bigHash: bigModelHash(lib),
  };
}

/**
 * A model large enough that a worker pool splits its batch (16 rows, ~25 M multiply-adds per
 * layer), with seeded weights: its output hash must be the same with and without threads.
 */
export function bigModelHash(lib) {
  lib.setRandomSeed(11);
  const x = lib.Input({ shape: [32, 32] });
  const seq = new lib.LSTM({ units: 96, returnSequences: true }).apply(x);
  const y = new lib.GRU({ units: 64, returnSequences: true }).apply(seq);
  const model = new lib.Model({ inputs: x, outputs: y });
  const data = new Float32Array(16 * 32 * 32);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  const h = hasher();
  h.add(model.predict(lib.tensor(data, [16, 32, 32])));
  model.dispose();
  return h.hex();
}
