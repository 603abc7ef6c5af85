// A stream's states as bytes, for a service to keep anywhere (KV, Redis, a Durable Object) and hand
// back later, possibly to another process. Layout (little-endian; README "Streams"):
//
//   0  "WRNS"            magic
//   4  u16 version       FORMAT_VERSION
//   6  u16 layers        carried recurrent layers
//   8  u32 fingerprint   FNV-1a of the layers' classes, units and state names (names of layers are
//                        left out: they depend on creation order, not on the model)
//  12  u32 floats        N
//  16  N x f32           each layer's states in Keras order ([h, c] or [h]), `units` floats each
//  16+4N u32 crc         CRC-32 (IEEE) of every byte before it
import { WasmRnnError } from "../core/errors.js";

export const MAGIC = [0x57, 0x52, 0x4e, 0x53]; // "WRNS"
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 16;
const CRC_BYTES = 4;

/** What the bytes of one model's streams hold: a state of `units` floats per name, layer by layer. */
export interface StateLayout {
  readonly layers: readonly {
    readonly className: string;
    readonly units: number;
    readonly stateNames: readonly string[];
  }[];
}

/** Floats in a stream's state under `layout`. */
export function stateFloats(layout: StateLayout): number {
  return layout.layers.reduce((n, l) => n + l.units * l.stateNames.length, 0);
}

/** How the layout reads in messages: "LSTM(8: h, c), GRU(6: h)". */
export function describeLayout(layout: StateLayout): string {
  return layout.layers.map((l) => `${l.className}(${l.units}: ${l.stateNames.join(", ")})`).join(", ");
}

export function fingerprint(layout: StateLayout): number {
  const text = layout.layers.map((l) => `${l.className} ${l.units} ${l.stateNames.join(",")}`).join(";");
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h >>> 0;
}

let crcTable: Uint32Array | null = null;

export function crc32(bytes: Uint8Array, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The bytes of one stream's states (`values`: stateFloats(layout) floats in layout order). */
export function encodeState(layout: StateLayout, print: number, values: Float32Array): Uint8Array {
  const n = values.length;
  const bytes = new Uint8Array(HEADER_BYTES + 4 * n + CRC_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint16(4, FORMAT_VERSION, true);
  view.setUint16(6, layout.layers.length, true);
  view.setUint32(8, print, true);
  view.setUint32(12, n, true);
  for (let i = 0; i < n; i++) view.setFloat32(HEADER_BYTES + 4 * i, values[i]!, true);
  view.setUint32(HEADER_BYTES + 4 * n, crc32(bytes, HEADER_BYTES + 4 * n), true);
  return bytes;
}

/**
 * The states in `bytes`, checked in this order: a byte array, long enough for a header, the magic,
 * the version, the length the header announces, the checksum (so altered bytes say so), then that
 * they are this model's (layer count, fingerprint, float count) and finite. Throws naming `who`.
 */
export function decodeState(who: string, layout: StateLayout, print: number, given: unknown): Float32Array {
  const bytes = given instanceof ArrayBuffer ? new Uint8Array(given) : given;
  if (!(bytes instanceof Uint8Array)) {
    const got = bytes === null ? "null" : ArrayBuffer.isView(bytes) ? bytes.constructor.name : typeof bytes;
    throw new WasmRnnError(`${who}: expected the state as a Uint8Array or ArrayBuffer (from getState), got ${got}`);
  }
  const want = stateFloats(layout);
  const wantBytes = HEADER_BYTES + 4 * want + CRC_BYTES;
  if (bytes.length < HEADER_BYTES + CRC_BYTES) {
    throw new WasmRnnError(`${who}: state truncated: expected ${wantBytes} bytes, got ${bytes.length}`);
  }
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new WasmRnnError(
      `${who}: expected wasm-rnn stream state bytes (starting "WRNS"), got bytes starting ${head}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== FORMAT_VERSION) {
    throw new WasmRnnError(`${who}: expected state format version ${FORMAT_VERSION}, got version ${version}`);
  }
  const n = view.getUint32(12, true);
  const announced = HEADER_BYTES + 4 * n + CRC_BYTES;
  if (bytes.length !== announced) {
    const what = bytes.length < announced ? "truncated" : "with extra bytes";
    throw new WasmRnnError(`${who}: state ${what}: its header announces ${announced} bytes, got ${bytes.length}`);
  }
  const crc = view.getUint32(HEADER_BYTES + 4 * n, true);
  if (crc32(bytes, HEADER_BYTES + 4 * n) !== crc) {
    throw new WasmRnnError(`${who}: state altered: its CRC-32 does not match its bytes`);
  }
  const layers = view.getUint16(6, true);
  const got = view.getUint32(8, true);
  if (layers !== layout.layers.length || got !== print || n !== want) {
    throw new WasmRnnError(
      `${who}: expected the state of a model with ${describeLayout(layout)} (${layout.layers.length} layers, ` +
        `${want} floats, fingerprint ${hex(print)}), got one of another model (${layers} layers, ${n} floats, fingerprint ${hex(got)})`,
    );
  }
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = view.getFloat32(HEADER_BYTES + 4 * i, true);
    if (!Number.isFinite(v)) throw new WasmRnnError(`${who}: expected finite state values, got ${v} at float ${i}`);
    values[i] = v;
  }
  return values;
}

const hex = (v: number): string => `0x${v.toString(16).padStart(8, "0")}`;
