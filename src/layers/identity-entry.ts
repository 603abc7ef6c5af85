// Identity's file entry (what predict never needs).
import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { Identity } from "./identity.js";

export const identityEntry: LayerEntry<Identity> = {
  classNames: ["Identity"],
  cls: Identity,
  build: (cfg) => new Identity({ name: cfg.name }),
  toConfig: (l) => baseConfig(l.name),
  backward: () => identityBackward,
};
