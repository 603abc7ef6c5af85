// The public API of wasm-rnn.

export type { ActivationName } from "./core/activations.js";
export { memoryBytes } from "./core/arena.js";
export { WasmRnnError } from "./core/errors.js";
export { setRandomSeed } from "./core/random.js";
export { type DType, type NestedArray, type NumericArray, Tensor, type TensorLike, tensor } from "./core/tensor.js";
export { type CoreBuild, type CoreInfo, coreInfo, type ReadyOptions, ready, type SimdChoice } from "./core/wasm.js";
// the file functions reach "wasm-rnn/io" only when called (io/entry-functions.ts); bundled, an app imports it once
export { loadModel, loadWeights, saveModel } from "./io/entry-functions.js";
export type {
  LoadOptions,
  SavedArtifacts,
  SavedFiles,
  SaveOptions,
  ShardSource,
  TfjsArtifacts,
  TfjsModelJson,
} from "./io/index.js";
export { Activation } from "./layers/activation.js";
export { Add } from "./layers/add.js";
export { AlphaDropout } from "./layers/alpha_dropout.js";
export { AdditiveAttention, type AdditiveAttentionArgs } from "./layers/attention/additive_attention.js";
export { Attention, type AttentionArgs } from "./layers/attention/attention.js";
export type { AttentionCallOptions } from "./layers/attention/call.js";
export {
  MultiHeadAttention,
  type MultiHeadAttentionArgs,
  type MultiHeadAttentionCall,
} from "./layers/attention/multi_head_attention.js";
export { AveragePooling2D } from "./layers/average_pooling2d.js";
export {
  Bidirectional,
  type BidirectionalArgs,
  type BidirectionalOutput,
  type MergeMode,
} from "./layers/bidirectional/bidirectional.js";
export { Concatenate } from "./layers/concatenate.js";
export { Conv1D, type Conv1DArgs } from "./layers/conv/conv1d.js";
export { DepthwiseConv1D, type DepthwiseConv1DArgs } from "./layers/conv/depthwise_conv1d.js";
export { SeparableConv1D, type SeparableConv1DArgs } from "./layers/conv/separable_conv1d.js";
export { ConvLSTM2D, type ConvLSTM2DArgs } from "./layers/conv_lstm2d.js";
export { Conv2D, type Conv2DArgs } from "./layers/conv2d.js";
export { Cropping1D } from "./layers/cropping1d.js";
export {
  type BackwardArgs,
  type BackwardResult,
  type CallContext,
  CustomLayer,
  type CustomLayerClass,
  type CustomLayerConfig,
} from "./layers/custom.js";
export { Dense, type DenseArgs } from "./layers/dense.js";
export { Dot } from "./layers/dot.js";
export { Dropout } from "./layers/dropout.js";
export { Embedding, type EmbeddingArgs } from "./layers/embedding.js";
export { Flatten } from "./layers/flatten.js";
export { GaussianDropout } from "./layers/gaussian_dropout.js";
export { GaussianNoise } from "./layers/gaussian_noise.js";
export { GRU, type GRUArgs } from "./layers/gru/gru.js";
export { Identity } from "./layers/identity.js";
export type { InitializerConfig, InitializerSpec } from "./layers/initializers.js";
export { Input, type InputArgs, InputLayer } from "./layers/input.js";
export { type LambdaFunction, LambdaLayer } from "./layers/lambda.js";
export { Layer, type Shape, SymbolicTensor } from "./layers/layer.js";
export { LSTM, type LSTMArgs, type LSTMOutput } from "./layers/lstm.js";
export { Masking, type MaskingArgs } from "./layers/masking.js";
export { MaxPooling2D, type Pooling2DArgs } from "./layers/max_pooling2d.js";
export { Average, Maximum, Minimum, Multiply, Subtract } from "./layers/merge/elementwise.js";
export { clearSession } from "./layers/naming.js";
export {
  BatchNormalization,
  type BatchNormalizationArgs,
} from "./layers/normalization/batch_normalization.js";
export {
  LayerNormalization,
  type LayerNormalizationArgs,
  UnitNormalization,
} from "./layers/normalization/layer_normalization.js";
export { Normalization, type NormalizationArgs } from "./layers/normalization/normalization.js";
export { Permute } from "./layers/permute.js";
export {
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  type GlobalPooling1DArgs,
} from "./layers/pooling/global_pooling1d.js";
export {
  AveragePooling1D,
  type DataFormat,
  MaxPooling1D,
  type Pooling1DArgs,
  type PoolPadding,
} from "./layers/pooling/pooling1d.js";
export { PReLU } from "./layers/prelu.js";
export { RecurrentLayer } from "./layers/recurrent.js";
export type {
  CellActivationName,
  RecurrentArgs,
  RecurrentCallArgs,
  RecurrentOutput,
} from "./layers/recurrent-options.js";
export { ELU, LeakyReLU, ReLU } from "./layers/relu.js";
export { RepeatVector } from "./layers/repeat_vector.js";
export { Rescaling } from "./layers/rescaling.js";
export { Reshape } from "./layers/reshape.js";
export { SimpleRNN, type SimpleRNNArgs } from "./layers/simple_rnn.js";
export { Softmax } from "./layers/softmax.js";
export { SpatialDropout1D } from "./layers/spatial_dropout1d.js";
export { TimeDistributed } from "./layers/time_distributed.js";
export { UpSampling1D } from "./layers/up_sampling1d.js";
export { ZeroPadding1D } from "./layers/zero_padding1d.js";
export {
  type FitOptions,
  Model,
  type ModelArgs,
  type TrainingSession,
} from "./model/model.js";
export type { AnyOutputs, ModelOutputs, OutputsAs, PredictResult } from "./model/outputs.js";
export type { InputData, PredictOptions } from "./model/predict.js";
export { Sequential, type SequentialArgs } from "./model/sequential.js";
export type { QuantizeMode, QuantizeReport } from "./quant/quantize.js";
export { type EvictPolicy, StreamPool, type StreamPoolOptions, type StreamStep } from "./stream/stream-pool.js";
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
export type { LossName, MetricName } from "./train/compile-names.js";
export type { OptimizerSpecName } from "./train/optimizer-spec.js";
export {
  Adagrad,
  type AdagradOptions,
  Adam,
  type AdamOptions,
  type LearningRate,
  LearningRateSchedule,
  type LearningRateScheduleSpec,
  Optimizer,
  type OptimizerOptions,
  RMSprop,
  type RMSpropOptions,
  SGD,
  type SGDOptions,
} from "./train/optimizers.js";
export type {
  BaseFitOptions,
  ClassWeight,
  CompileArgs,
  EvaluateOptions,
  FitLogs,
  History,
  Loss,
  LossOptions,
  LossReduction,
  LossSpec,
  MetricsSpec,
  OptimizerSpec,
  SampleWeight,
  Targets,
  TrainOnBatchOptions,
  Verbose,
} from "./train/types.js";
