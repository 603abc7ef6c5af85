// Conv1D, SeparableConv1D, DepthwiseConv1D: Keras-generated cases (tools/gen_keras_layers_conv.py) through
// the API, the .keras / .h5 / TF.js files and one SGD(1) step, and the option and shape errors.
import { beforeAll, describe, expect, it } from "vitest";
import { Conv1D, DepthwiseConv1D, Input, ready, SeparableConv1D, WasmRnnError } from "../../src/index.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_conv.json", /^(conv1d_|conv_stack)/);
describeLayerCases("layers_conv.json", /^separable_conv1d_/);
describeLayerCases("layers_conv.json", /^depthwise_conv1d_/);
