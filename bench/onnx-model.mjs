// Builds the bytes of an ONNX model holding one recurrent op (LSTM, GRU or RNN), from Keras-layout
// weights.
//
// The protobuf is written by hand (a few dozen lines) instead of pulling in protobufjs/onnx-proto:
// the model only needs varints, length-delimited fields and raw float bytes.
//
// Keras:  kernel [I, 4H], recurrent [H, 4H], bias [4H]; gate blocks i, f, c, o along the last axis.
// ONNX:   W [1, 4H, I], R [1, 4H, H], B [1, 8H] = [Wb | Rb]; gate blocks i, o, f, c along axis 1.
// X is time-major [T, B, I]; the output Y is [T, 1, B, H] (num_directions = 1). With `states: true`
// the op takes initial_h (and initial_c for an LSTM) [1, B, H] as graph inputs and gives Y_h (and
// Y_c) [1, B, H] as the graph's outputs instead of Y: a stream's state fed in and carried out.

// ---- a tiny protobuf writer -------------------------------------------------------------------

const utf8 = new TextEncoder();

function varint(n) {
  // Non-negative integers only (sizes, enums, tags); BigInt keeps values above 2^31 exact.
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const concat = (parts) => {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Field `num` as a varint (wire type 0). */
const fInt = (num, value) => Uint8Array.from([...varint((num << 3) | 0), ...varint(value)]);
/** Field `num` as length-delimited bytes (wire type 2): strings, sub-messages, raw data. */
const fBytes = (num, bytes) => {
  const body = typeof bytes === "string" ? utf8.encode(bytes) : bytes;
  return concat([Uint8Array.from([...varint((num << 3) | 2), ...varint(body.length)]), body]);
};
const msg = (...fields) => concat(fields.flat());

// ---- ONNX messages (field numbers from onnx.proto) ---------------------------------------------

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

function tensorProto(name, dims, data /* Float32Array */) {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // little-endian on x86/ARM
  return msg(
    dims.map((d) => fInt(1, d)), // dims (unpacked repeated int64: accepted by every parser)
    fInt(2, FLOAT), // data_type
    fBytes(8, name), // name
    fBytes(9, raw), // raw_data
  );
}

function valueInfo(name, dims) {
  const shape = msg(dims.map((d) => fBytes(1, msg(fInt(1, d))))); // TensorShapeProto { dim { dim_value } }
  const tensorType = msg(fInt(1, FLOAT), fBytes(2, shape)); // TypeProto.Tensor { elem_type, shape }
  return msg(fBytes(1, name), fBytes(2, msg(fBytes(1, tensorType)))); // ValueInfoProto { name, type }
}

// ---- weight conversion ------------------------------------------------------------------------

// Per cell: the ONNX op, its gate count, and for ONNX gate slot g the Keras gate block it comes from.
// LSTM: ONNX i, o, f, c from Keras i, f, c, o. GRU: z, r, h in both. RNN (SimpleRNN): one gate.
const CELLS = {
  LSTM: { op: "LSTM", gates: 4, kerasGate: [0, 3, 1, 2] },
  GRU: { op: "GRU", gates: 3, kerasGate: [0, 1, 2] },
  SimpleRNN: { op: "RNN", gates: 1, kerasGate: [0] },
};

/** Keras [rows, G*H] (gates along columns) -> ONNX [G*H, rows] (gates along rows, reordered). */
function toOnnxMatrix(keras, rows, H, cell) {
  const G = cell.gates;
  const out = new Float32Array(G * H * rows);
  for (let g = 0; g < G; g++) {
    const kg = cell.kerasGate[g];
    for (let j = 0; j < H; j++) {
      const dst = (g * H + j) * rows;
      const srcCol = kg * H + j;
      for (let k = 0; k < rows; k++) out[dst + k] = keras[k * G * H + srcCol];
    }
  }
  return out;
}

/**
 * Keras bias -> ONNX B [2*G*H] = [Wb | Rb], reordered. A Keras bias of G*H values is the input
 * bias (Rb = 0); GRU with reset_after keeps 2*G*H values, input row then recurrent row.
 */
function toOnnxBias(bias, H, cell) {
  const G = cell.gates;
  const out = new Float32Array(2 * G * H);
  for (let half = 0; half < bias.length / (G * H); half++) {
    for (let g = 0; g < G; g++) {
      const kg = cell.kerasGate[g];
      out.set(bias.subarray(half * G * H + kg * H, half * G * H + (kg + 1) * H), half * G * H + g * H);
    }
  }
  return out;
}

const intAttr = (name, value) => fBytes(5, msg(fBytes(1, name), fInt(20, ATTR_INT), fInt(3, value)));

/**
 * One recurrent op (LSTM, GRU or RNN) from Keras-layout weights.
 * @param {"LSTM"|"GRU"|"SimpleRNN"} kind
 * @param {{B:number,T:number,I:number,H:number}} shape
 * @param {{kernel:Float32Array, recurrent:Float32Array, bias:Float32Array}} w Keras layout
 * @param {{resetAfter?: boolean, states?: boolean}} opts GRU: Keras reset_after = ONNX
 *   linear_before_reset; states: initial states in, final states out (see the top of this file)
 * @returns {Uint8Array} a serialized ModelProto with input X [T,B,I] and output Y [T,1,B,H]
 */
export function buildRecurrentOnnx(kind, { B, T, I, H }, w, opts = {}) {
  const cell = CELLS[kind];
  const G = cell.gates;
  const attrs = [intAttr("hidden_size", H)];
  if (kind === "GRU") attrs.push(intAttr("linear_before_reset", opts.resetAfter === false ? 0 : 1));
  // ONNX inputs X, W, R, B, sequence_lens, initial_h, initial_c; outputs Y, Y_h, Y_c ("" = absent)
  const stateNames = kind === "LSTM" ? ["h", "c"] : ["h"];
  const inputs = opts.states
    ? ["X", "W", "R", "B", "", ...stateNames.map((n) => `initial_${n}`)]
    : ["X", "W", "R", "B"];
  const outputs = opts.states ? ["", ...stateNames.map((n) => `Y_${n}`)] : ["Y"];
  const stateInfo = (prefix, field) => stateNames.map((n) => fBytes(field, valueInfo(`${prefix}${n}`, [1, B, H])));
  const node = msg(
    inputs.map((n) => fBytes(1, n)),
    outputs.map((n) => fBytes(2, n)),
    fBytes(3, cell.op.toLowerCase()), // name
    fBytes(4, cell.op), // op_type
    attrs,
    // Default activations (sigmoid / tanh) and direction "forward" match Keras' defaults.
  );
  const graph = msg(
    fBytes(1, node),
    fBytes(2, `${cell.op.toLowerCase()}_graph`),
    fBytes(5, tensorProto("W", [1, G * H, I], toOnnxMatrix(w.kernel, I, H, cell))),
    fBytes(5, tensorProto("R", [1, G * H, H], toOnnxMatrix(w.recurrent, H, H, cell))),
    fBytes(5, tensorProto("B", [1, 2 * G * H], toOnnxBias(w.bias, H, cell))),
    fBytes(11, valueInfo("X", [T, B, I])),
    opts.states ? stateInfo("initial_", 11) : [],
    opts.states ? stateInfo("Y_", 12) : fBytes(12, valueInfo("Y", [T, 1, B, H])),
  );
  return msg(
    fInt(1, 8), // ir_version 8
    fBytes(2, "wasm-rnn bench"), // producer_name
    fBytes(7, graph),
    fBytes(8, msg(fBytes(1, ""), fInt(2, 14))), // opset_import: default domain, opset 14
  );
}

/** The LSTM the main comparison uses. */
export const buildLstmOnnx = (shape, w) => buildRecurrentOnnx("LSTM", shape, w);

// ---- small graphs of plain ops (the layers bench: Conv1D, MultiHeadAttention) ---------------------

const INT64 = 7; // TensorProto.DataType.INT64
const ATTR_INTS = 7; // AttributeProto.AttributeType.INTS

function int64Tensor(name, values) {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return msg(fInt(1, values.length), fInt(2, INT64), fBytes(8, name), fBytes(9, new Uint8Array(data.buffer)));
}
const intsAttr = (name, values) =>
  fBytes(
    5,
    msg(
      fBytes(1, name),
      fInt(20, ATTR_INTS),
      values.map((v) => fInt(8, v)),
    ),
  );
const node = (op, inputs, outputs, attrs = []) =>
  fBytes(
    1,
    msg(
      inputs.map((n) => fBytes(1, n)),
      outputs.map((n) => fBytes(2, n)),
      fBytes(3, outputs[0]),
      fBytes(4, op),
      attrs,
    ),
  );

/** A ModelProto (opset 14) around nodes, float initializers { name: [dims, data] } and int64 ones. */
function model(name, nodes, floats, ints, input, output) {
  const graph = msg(
    nodes,
    fBytes(2, name),
    Object.entries(floats).map(([n, [dims, data]]) => fBytes(5, tensorProto(n, dims, data))),
    Object.entries(ints).map(([n, values]) => fBytes(5, int64Tensor(n, values))),
    fBytes(11, valueInfo(input[0], input[1])),
    fBytes(12, valueInfo(output[0], output[1])),
  );
  return msg(fInt(1, 8), fBytes(2, "wasm-rnn bench"), fBytes(7, graph), fBytes(8, msg(fBytes(1, ""), fInt(2, 14))));
}

/**
 * Keras Conv1D (padding "valid", stride 1, linear activation) as one ONNX Conv: channels-first X
 * [B, C, T] (the transpose from Keras's [B, T, C] is the caller's, untimed), W [F, C, K] from Keras's
 * kernel [K, C, F], bias [F]; Y [B, F, T - K + 1].
 */
export function buildConv1dOnnx({ B, T, C, F, K }, kernel, bias) {
  const w = new Float32Array(F * C * K);
  for (let k = 0; k < K; k++)
    for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) w[(f * C + c) * K + k] = kernel[(k * C + c) * F + f];
  return model(
    "conv1d",
    [node("Conv", ["X", "W", "Bias"], ["Y"], [intsAttr("kernel_shape", [K])])],
    { W: [[F, C, K], w], Bias: [[F], bias] },
    {},
    ["X", [B, C, T]],
    ["Y", [B, F, T - K + 1]],
  );
}

/**
 * Keras MultiHeadAttention (self-attention, default axes, with biases) in plain ONNX ops, from Keras's
 * weights: query, key, value kernels [D, N, Kd] and biases [N, Kd], output kernel [N, Kd, D] and bias
 * [D] (valueDim = keyDim). X [B, T, D] -> Y [B, T, D]:
 *   Q, K, V = X W + b, split into heads [B, N, T, Kd];  softmax(Q K^T / sqrt(Kd)) V;  heads joined, W_o + b_o.
 */
export function buildMhaOnnx({ B, T, D, heads: N, keyDim: Kd }, w) {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = w;
  const NK = N * Kd;
  const nodes = [];
  for (const [p, perm] of [
    ["q", [0, 2, 1, 3]],
    ["k", [0, 2, 3, 1]],
    ["v", [0, 2, 1, 3]],
  ]) {
    nodes.push(
      node("MatMul", ["X", `W${p}`], [`${p}0`]),
      node("Add", [`${p}0`, `B${p}`], [`${p}1`]),
      node("Reshape", [`${p}1`, "heads"], [`${p}2`]),
      node("Transpose", [`${p}2`], [`${p}3`], [intsAttr("perm", perm)]),
    );
  }
  nodes.push(
    node("MatMul", ["q3", "k3"], ["s0"]),
    node("Mul", ["s0", "scale"], ["s1"]),
    node("Softmax", ["s1"], ["p"], [intAttr("axis", 3)]), // the last of [B, N, T, T] (the writer has no negative varints)
    node("MatMul", ["p", "v3"], ["o0"]),
    node("Transpose", ["o0"], ["o1"], [intsAttr("perm", [0, 2, 1, 3])]),
    node("Reshape", ["o1", "joined"], ["o2"]),
    node("MatMul", ["o2", "Wo"], ["o3"]),
    node("Add", ["o3", "Bo"], ["Y"]),
  );
  return model(
    "mha",
    nodes,
    {
      Wq: [[D, NK], wq],
      Bq: [[NK], bq],
      Wk: [[D, NK], wk],
      Bk: [[NK], bk],
      Wv: [[D, NK], wv],
      Bv: [[NK], bv],
      Wo: [[NK, D], wo],
      Bo: [[D], bo],
      scale: [[1], Float32Array.of(1 / Math.sqrt(Kd))],
    },
    { heads: [B, T, N, Kd], joined: [B, T, NK] },
    ["X", [B, T, D]],
    ["Y", [B, T, D]],
  );
}
