// The public API of wasm-rnn.

export type { ActivationName } from "./core/activations.js";
export { memoryBytes } from "./core/arena.js";
export { WasmRnnError } from "./core/errors.js";
export { setRandomSeed } from "./core/random.js";
export { type DType, type NestedArray, type NumericArray, Tensor, type TensorLike, tensor } from "./core/tensor.js";
export { type CoreBuild, type CoreInfo, coreInfo, type ReadyOptions, ready, type SimdChoice } from "./core/wasm.js";
export {
  type LoadOptions,
  loadModel,
  loadWeights,
  type SavedArtifacts,
  type SavedFiles,
  type ShardSource,
  saveModel,
  type TfjsArtifacts,
} from "./io/index.js";
export { Bidirectional, type BidirectionalArgs, type MergeMode } from "./layers/bidirectional.js";
export { Dense, type DenseArgs } from "./layers/dense.js";
export { GRU, type GRUArgs } from "./layers/gru.js";
export type { InitializerConfig, InitializerSpec } from "./layers/initializers.js";
export { Input, type InputArgs, InputLayer } from "./layers/input.js";
export { clearSession, Layer } from "./layers/layer.js";
export { LSTM, type LSTMArgs, type LSTMOutput } from "./layers/lstm.js";
export {
  type RecurrentArgs,
  type RecurrentCallArgs,
  RecurrentLayer,
  type RecurrentOutput,
} from "./layers/recurrent.js";
export {
  Activation,
  Add,
  Concatenate,
  Dropout,
  Embedding,
  type EmbeddingArgs,
  Flatten,
  Masking,
  type MaskingArgs,
  RepeatVector,
  TimeDistributed,
} from "./layers/simple.js";
export { SimpleRNN, type SimpleRNNArgs } from "./layers/simple_rnn.js";
export { Model, type ModelArgs, type PredictOptions } from "./model/model.js";
export { Sequential, type SequentialArgs } from "./model/sequential.js";
export { SymbolicTensor } from "./model/symbolic.js";
export {
  Callback,
  type CallbackHooks,
  type CallbackParams,
  EarlyStopping,
  type EarlyStoppingArgs,
  LearningRateScheduler,
  type Logs,
  ReduceLROnPlateau,
  type ReduceLROnPlateauArgs,
} from "./train/callbacks.js";
