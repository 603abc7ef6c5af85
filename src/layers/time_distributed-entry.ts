// TimeDistributed's file entry and backward (the wrapped layer's).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { baseConfig, type LayerEntry } from "./entry.js";
import type { Step } from "./layer.js";
import { innerConfig, innerReader } from "./registry.js";
import { TimeDistributed } from "./time_distributed.js";

export const timeDistributedEntry: LayerEntry<TimeDistributed> = {
  classNames: ["TimeDistributed"],
  cls: TimeDistributed,
  kerasVarsPath: ["layer"],
  params(cfg, inputs) {
    const { entry, reader } = innerReader(cfg, cfg.ctx);
    return entry.params?.(reader, inputs) ?? 0;
  },
  build(cfg, ctx) {
    const { entry, reader } = innerReader(cfg, ctx);
    return new TimeDistributed(entry.build(reader, ctx), { name: cfg.name });
  },
  toConfig: (t, target) => ({ ...baseConfig(t.name), layer: innerConfig(t.layer, target) }),
  backward(td, who, backwardOf) {
    const inner = backwardOf(td.layer, who);
    const unwrap = (s: Step): Step => ({ ...s, layer: (s.layer as TimeDistributed).layer });
    return {
      sparseSquares: inner.sparseSquares,
      traceBytes: (s) => inner.traceBytes(unwrap(s)),
      scratchBytes: (s) => inner.scratchBytes(unwrap(s)),
      run: (call) => inner.run({ ...call, step: unwrap(call.step) }),
    };
  },
};
