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
export { Activation } from "./layers/activation.js";
export { Add } from "./layers/add.js";
export { AlphaDropout } from "./layers/alpha_dropout.js";
export { Bidirectional, type BidirectionalArgs, type MergeMode } from "./layers/bidirectional/bidirectional.js";
export { Concatenate } from "./layers/concatenate.js";
export {
  type BackwardArgs,
  type BackwardResult,
  type CallContext,
  CustomLayer,
  type CustomLayerClass,
  type CustomLayerConfig,
} from "./layers/custom.js";
export { Dense, type DenseArgs } from "./layers/dense.js";
export { Dropout } from "./layers/dropout.js";
export { Embedding, type EmbeddingArgs } from "./layers/embedding.js";
export { Flatten } from "./layers/flatten.js";
export { GaussianNoise } from "./layers/gaussian_noise.js";
export { GRU, type GRUArgs } from "./layers/gru/gru.js";
export type { InitializerConfig, InitializerSpec } from "./layers/initializers.js";
export { Input, type InputArgs, InputLayer } from "./layers/input.js";
export { type LambdaFunction, LambdaLayer } from "./layers/lambda.js";
export { Layer, type Shape, SymbolicTensor } from "./layers/layer.js";
export { LSTM, type LSTMArgs, type LSTMOutput } from "./layers/lstm.js";
export { Masking, type MaskingArgs } from "./layers/masking.js";
export { clearSession } from "./layers/naming.js";
export { RecurrentLayer } from "./layers/recurrent.js";
export type { RecurrentArgs, RecurrentCallArgs, RecurrentOutput } from "./layers/recurrent-options.js";
export { RepeatVector } from "./layers/repeat_vector.js";
export { SimpleRNN, type SimpleRNNArgs } from "./layers/simple_rnn.js";
export { TimeDistributed } from "./layers/time_distributed.js";
export { Model, type ModelArgs, type PredictOptions } from "./model/model.js";
export type { InputData } from "./model/predict.js";
export { Sequential, type SequentialArgs } from "./model/sequential.js";
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
