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
