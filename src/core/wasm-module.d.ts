// A `.wasm` import, as workerd and its bundlers provide it: a compiled WebAssembly.Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
