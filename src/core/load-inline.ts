// Default loader: the core's bytes are inlined as base64 (no file system, no fetch), which works
// in Node, Deno, Bun and browsers. Runtimes that forbid compiling from bytes (workerd) need an
// entry that imports the .wasm module instead.
import { CORE_SIMD_BASE64 } from "./generated/core-wasm.js";

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function loadCoreModule(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(decodeBase64(CORE_SIMD_BASE64));
}
