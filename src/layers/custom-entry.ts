// The file entry of custom layers (CustomLayer subclasses, and Lambda implementations): saving
// writes the layer's config back under its Keras class name; the backward calls the subclass's
// `backward` over Tensors and adds its gradients into the trainer's wasm buffers.
import { WasmRnnError } from "../core/errors.js";
import { type Tensor, trustedTensor } from "../core/tensor.js";
import { heapF32 } from "../core/wasm.js";
import type { Backward } from "./backward-base.js";
import type { JsonObject } from "./config.js";
import { CustomLayer } from "./custom.js";
import type { LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";

/** Adds `t` (checked to hold `n` values) into the floats at byte offset `ptr`. */
function addInto(ptr: number, t: Tensor | Float32Array, n: number, who: string, what: string): void {
  const data = t instanceof Float32Array ? t : t.data;
  if (data.length !== n)
    throw new WasmRnnError(`${who}: backward() gave ${what} of ${data.length} values, expected ${n}`);
  const heap = heapF32();
  const p = ptr >>> 2;
  for (let i = 0; i < n; i++) heap[p + i]! += data[i]!;
}

function customBackward(layer: CustomLayer, who: string): Backward {
  if (!layer.backward) {
    throw new WasmRnnError(
      `${who}: custom layer ${layer.who} has no backward(), so fit cannot train through it; ` +
        "give its class a backward({ inputs, dOutputs, masks }) returning { dInputs, dWeights }",
    );
  }
  return {
    traceBytes: () => 0,
    scratchBytes: () => 0,
    trainingForward: (step) => layer.runForward(step.inputs, step.outputs, step.masks, true),
    run: ({ step, dOut, dIn, dParams }) => {
      const heap = heapF32();
      const { xs, ms } = layer.readInputs(step.inputs, step.masks.inputs);
      const dOutputs = step.outputs.map((b, i) => {
        const p = dOut[i] ?? 0;
        if (!p) return null;
        return trustedTensor(heap.slice(p >>> 2, (p >>> 2) + sizeOf(b.shape)), b.shape, "float32");
      });
      const r = layer.backward!({ inputs: xs, dOutputs, masks: ms, training: true });
      (r.dInputs ?? []).forEach((g, i) => {
        if (g && dIn[i]) addInto(dIn[i]!, g, sizeOf(step.inputs[i]!.shape), layer.who, `the gradient of input ${i}`);
      });
      const specs = layer.weightSpecs();
      for (const [name, g] of Object.entries(r.dWeights ?? {})) {
        const j = specs.findIndex((s) => s.name === name);
        if (j < 0)
          throw new WasmRnnError(`${layer.who}: backward() gave a gradient for '${name}', which is no weight of it`);
        if (dParams[j]) addInto(dParams[j]!, g, sizeOf(specs[j]!.shape), layer.who, `the gradient of '${name}'`);
      }
    },
  };
}

export const customEntry: LayerEntry<CustomLayer> = {
  classNames: [],
  cls: CustomLayer,
  build: () => {
    throw new WasmRnnError("custom layers are built from loadModel's customObjects");
  },
  call: (layer, inputs) => {
    const out = (layer as CustomLayer).apply(inputs);
    return Array.isArray(out) ? out : [out];
  },
  toConfig: (layer) => JSON.parse(JSON.stringify(layer.config)) as JsonObject,
  backward: (layer, who) => customBackward(layer, who),
};
