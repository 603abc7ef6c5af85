// Builds the bytes of an ONNX model holding one `LSTM` op, from Keras-layout weights.
//
// The protobuf is written by hand (a few dozen lines) instead of pulling in protobufjs/onnx-proto:
// the model only needs varints, length-delimited fields and raw float bytes.
//
// Keras:  kernel [I, 4H], recurrent [H, 4H], bias [4H]; gate blocks i, f, c, o along the last axis.
// ONNX:   W [1, 4H, I], R [1, 4H, H], B [1, 8H] = [Wb | Rb]; gate blocks i, o, f, c along axis 1.
// X is time-major [T, B, I]; the output Y is [T, 1, B, H] (num_directions = 1).

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

// For ONNX gate slot g (i, o, f, c), the Keras gate block it comes from (Keras order i, f, c, o).
const KERAS_GATE_FOR_ONNX = [0, 3, 1, 2];

/** Keras [rows, 4H] (gates along columns) -> ONNX [4H, rows] (gates along rows, reordered). */
function toOnnxMatrix(keras, rows, H) {
  const out = new Float32Array(4 * H * rows);
  for (let g = 0; g < 4; g++) {
    const kg = KERAS_GATE_FOR_ONNX[g];
    for (let j = 0; j < H; j++) {
      const dst = (g * H + j) * rows;
      const srcCol = kg * H + j;
      for (let k = 0; k < rows; k++) out[dst + k] = keras[k * 4 * H + srcCol];
    }
  }
  return out;
}

/** Keras bias [4H] -> ONNX B [8H]: input bias Wb reordered, recurrent bias Rb = 0. */
function toOnnxBias(bias, H) {
  const out = new Float32Array(8 * H);
  for (let g = 0; g < 4; g++) {
    const kg = KERAS_GATE_FOR_ONNX[g];
    out.set(bias.subarray(kg * H, (kg + 1) * H), g * H);
  }
  return out;
}

/**
 * @param {{B:number,T:number,I:number,H:number}} shape
 * @param {{kernel:Float32Array, recurrent:Float32Array, bias:Float32Array}} w Keras layout
 * @returns {Uint8Array} a serialized ModelProto with inputs X [T,B,I] and output Y [T,1,B,H]
 */
export function buildLstmOnnx({ B, T, I, H }, w) {
  const node = msg(
    ["X", "W", "R", "B"].map((n) => fBytes(1, n)), // inputs
    fBytes(2, "Y"), // output (Y_h, Y_c omitted)
    fBytes(3, "lstm"), // name
    fBytes(4, "LSTM"), // op_type
    fBytes(5, msg(fBytes(1, "hidden_size"), fInt(20, ATTR_INT), fInt(3, H))), // attribute
    // Default activations (Sigmoid, Tanh, Tanh) and direction "forward" match Keras' defaults.
  );
  const graph = msg(
    fBytes(1, node),
    fBytes(2, "lstm_graph"),
    fBytes(5, tensorProto("W", [1, 4 * H, I], toOnnxMatrix(w.kernel, I, H))),
    fBytes(5, tensorProto("R", [1, 4 * H, H], toOnnxMatrix(w.recurrent, H, H))),
    fBytes(5, tensorProto("B", [1, 8 * H], toOnnxBias(w.bias, H))),
    fBytes(11, valueInfo("X", [T, B, I])),
    fBytes(12, valueInfo("Y", [T, 1, B, H])),
  );
  return msg(
    fInt(1, 8), // ir_version 8
    fBytes(2, "wasm-rnn bench"), // producer_name
    fBytes(7, graph),
    fBytes(8, msg(fBytes(1, ""), fInt(2, 14))), // opset_import: default domain, opset 14
  );
}
