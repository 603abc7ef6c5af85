// The public API of wasm-rnn.
export { ready, coreInfo, type ReadyOptions, type CoreInfo, type CoreBuild, type SimdChoice } from "./core/wasm.js";
export { memoryBytes } from "./core/arena.js";
export { WasmRnnError } from "./core/errors.js";
export { Tensor, tensor, type DType, type NestedArray, type NumericArray, type TensorLike } from "./core/tensor.js";
export { setRandomSeed } from "./core/random.js";
export type { ActivationName } from "./core/activations.js";
export { type InitializerConfig, type InitializerSpec } from "./layers/initializers.js";
export { Layer, clearSession } from "./layers/layer.js";
export { Input, InputLayer, type InputArgs } from "./layers/input.js";
export { LSTM, type LSTMArgs, type LSTMOutput } from "./layers/lstm.js";
export { RecurrentLayer, type RecurrentArgs, type RecurrentCallArgs, type RecurrentOutput } from "./layers/recurrent.js";
export { GRU, type GRUArgs } from "./layers/gru.js";
export { SimpleRNN, type SimpleRNNArgs } from "./layers/simple_rnn.js";
export { Bidirectional, type BidirectionalArgs, type MergeMode } from "./layers/bidirectional.js";
export {
  Masking, Embedding, TimeDistributed, RepeatVector, Concatenate, Add, Activation, Dropout, Flatten,
  type MaskingArgs, type EmbeddingArgs,
} from "./layers/simple.js";
export { Dense, type DenseArgs } from "./layers/dense.js";
export { Model, type ModelArgs, type PredictOptions } from "./model/model.js";
export { Sequential, type SequentialArgs } from "./model/sequential.js";
export { SymbolicTensor } from "./model/symbolic.js";
export {
  Callback, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
  type CallbackHooks, type CallbackParams, type EarlyStoppingArgs, type ReduceLROnPlateauArgs, type Logs,
} from "./train/callbacks.js";
export { loadModel, loadWeights, saveModel, type LoadOptions, type TfjsArtifacts, type SavedArtifacts, type SavedFiles, type ShardSource } from "./io/index.js";
