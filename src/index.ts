// The public API of wasm-rnn.
export { ready, coreInfo, type ReadyOptions, type CoreInfo, type CoreBuild, type SimdChoice } from "./core/wasm.js";
export { memoryBytes } from "./core/arena.js";
export { WasmRnnError } from "./core/errors.js";
export { Tensor, tensor, type DType, type NestedArray, type TensorLike } from "./core/tensor.js";
export { setRandomSeed } from "./core/random.js";
export type { ActivationName } from "./core/activations.js";
export { type InitializerConfig, type InitializerSpec } from "./layers/initializers.js";
export { Layer, clearSession } from "./layers/layer.js";
export { Input, InputLayer, type InputArgs } from "./layers/input.js";
export { LSTM, type LSTMArgs, type LSTMOutput, type RecurrentCallArgs } from "./layers/lstm.js";
export { Dense, type DenseArgs } from "./layers/dense.js";
export { Model, type ModelArgs } from "./model/model.js";
export { SymbolicTensor } from "./model/symbolic.js";
export { loadModel, loadWeights, saveModel, type LoadOptions, type TfjsArtifacts, type SavedArtifacts, type ShardSource } from "./io/index.js";
