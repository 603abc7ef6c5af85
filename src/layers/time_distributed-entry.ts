// TimeDistributed's file entry and backward (the wrapped layer's, on the folded buffers).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import type { Backward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import type { Shape, Step } from "./layer.js";
import { RecurrentLayer } from "./recurrent.js";
import { buildLayer, entryForLayer, innerConfig, innerReader } from "./registry.js";
import { TimeDistributed } from "./time_distributed.js";

const innerShapes = (inputs: readonly Shape[]): Shape[] => inputs.map((s) => [null, ...s.slice(2)]);

export const timeDistributedEntry: LayerEntry<TimeDistributed> = {
  classNames: ["TimeDistributed"],
  cls: TimeDistributed,
  kerasVarsPaths: (td) => {
    const e = entryForLayer(td.layer);
    const parts = e?.kerasVarsPaths?.(td.layer) ?? [{ path: e?.kerasVarsPath ?? [], count: td.weightSpecs().length }];
    return parts.map((p) => ({ path: ["layer", ...p.path], count: p.count }));
  },
  params(cfg, inputs) {
    const { entry, reader } = innerReader(cfg, cfg.ctx);
    return entry.params?.(reader, innerShapes(inputs)) ?? 0;
  },
  build(cfg, ctx) {
    const { entry, reader } = innerReader(cfg, ctx);
    return new TimeDistributed(buildLayer(entry, reader, ctx), { name: cfg.name });
  },
  toConfig: (t, target) => ({ ...baseConfig(t.name), layer: innerConfig(t.layer, target) }),
  backward(td, who, backwardOf) {
    const inner = backwardOf(td.layer, who);
    const unwrap = (s: Step): Step => (s.layer as TimeDistributed).innerStep(s);
    const own = inner.trainingForward;
    const b: Backward = {
      sparseSquares: inner.sparseSquares,
      traceBytes: (s) => inner.traceBytes(unwrap(s)),
      tracedLayers: (s) => {
        const u = unwrap(s);
        return inner.tracedLayers?.(u) ?? (u.layer instanceof RecurrentLayer ? [{ layer: u.layer, offset: 0 }] : []);
      },
      scratchBytes: (s) => inner.scratchBytes(unwrap(s)),
      run: (call) => inner.run({ ...call, step: unwrap(call.step), dPre: 0 }),
    };
    if (own) b.trainingForward = (s, trace, seed) => own(unwrap(s), trace, seed);
    return b;
  },
};
