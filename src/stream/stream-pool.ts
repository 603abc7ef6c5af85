// StreamPool: per-stream inference over one model. Each stream (a user, a device, a session) has
// its recurrent layers' states in a slot of wasm memory (slab.ts); a step gathers the states of the
// streams it advances into a batch, runs the model's plan once, and scatters the final states back.
// States leave and enter as bytes (state-bytes.ts) so they can outlive the process.
//
// Shapes: a stream's input is [1, T, ...features]; n streams with the same shapes run as one batch
// of rows(n) >= n rows (a few plan sizes, the padding rows reading the zero slot).
import { WasmRnnError } from "../core/errors.js";
import { core, heapF32, isReady } from "../core/instance.js";
import { Tensor, type TensorLike } from "../core/tensor.js";
import { checkOptionsObject, isObjectLiteral, sameShape } from "../core/validate.js";
import type { RecurrentLayer } from "../layers/recurrent.js";
import type { Model } from "../model/model.js";
import type { AnyOutputs, ModelOutputs, PredictResult } from "../model/outputs.js";
import { PlanCache } from "../model/plan.js";
import type { InputData } from "../model/predict.js";
import { groupByShapes, runBatch } from "./batch-run.js";
import { type CarriedPlan, carriedPlan } from "./carried.js";
import { StateSlab } from "./slab.js";
import { layerStates, packLayerStates, readSlot, writeSlot } from "./slot-values.js";
import { decodeState, encodeState, fingerprint } from "./state-bytes.js";

/** What happens when a new stream would pass maxStreams: refuse it, or evict the least recently used. */
export type EvictPolicy = "error" | "lru" | ((id: string, state: Uint8Array) => void);

export interface StreamPoolOptions {
  /** Most streams held at once (default 10 000). */
  maxStreams?: number;
  /**
   * "error" (default): a new stream past maxStreams is refused. "lru": the least recently stepped
   * stream is dropped. A function: the same, after it is called with the dropped stream's id and
   * state bytes (to keep them elsewhere and setState them back later).
   */
  onEvict?: EvictPolicy;
}

/** One stream's new steps for stepMany. */
export interface StreamStep {
  id: string;
  /** As for predict, with a batch of 1: [1, T, ...features] per input. */
  x: InputData;
}

const OPTION_KEYS = ["maxStreams", "onEvict"] as const;
const MAX_ID_LENGTH = 1024;
const MAX_STREAMS = 1 << 24;

/** Streams over a model with outputs `O`: step returns what that model's predict returns. */
export class StreamPool<O extends ModelOutputs = AnyOutputs> {
  readonly maxStreams: number;
  private readonly who = "StreamPool";
  private readonly evict: EvictPolicy;
  private readonly carry: CarriedPlan;
  private readonly print: number;
  private readonly slab: StateSlab;
  /** Stream id -> slot, least recently used first. */
  private readonly streams = new Map<string, number>();
  private readonly plans = new PlanCache(16);
  private busy = false;
  /** Float index of the slab's zero slot (padding rows read it). */
  private get zeroSlot(): number {
    return this.slab.address(0) >>> 2;
  }
  /** The model's layer calls the pool was made for. */
  private readonly nodes: readonly unknown[];
  /** The last one-input stream input accepted (its dtype and shape pass at once next time). */
  private lastInput: Tensor | null = null;
  private disposed = false;

  constructor(
    readonly model: Model<O>,
    options?: StreamPoolOptions,
  ) {
    if (typeof model?.predict !== "function" || !Array.isArray((model as Model).nodes)) {
      throw new WasmRnnError(`StreamPool: expected a Model, got ${model === null ? "null" : typeof model}`);
    }
    model.checkAlive("a StreamPool");
    const opts = checkOptionsObject(this.who, options, OPTION_KEYS);
    const max = opts.maxStreams ?? 10_000;
    if (!Number.isInteger(max) || max < 1 || max > MAX_STREAMS) {
      throw new WasmRnnError(
        `${this.who}: expected maxStreams to be an integer from 1 to ${MAX_STREAMS}, got ${JSON.stringify(max)}`,
      );
    }
    const evict = opts.onEvict ?? "error";
    if (evict !== "error" && evict !== "lru" && typeof evict !== "function") {
      throw new WasmRnnError(
        `${this.who}: expected onEvict to be "error", "lru" or a function (id, state), got ${JSON.stringify(evict)}`,
      );
    }
    this.maxStreams = max;
    this.evict = evict;
    this.nodes = model.nodes;
    this.carry = carriedPlan(model);
    this.print = fingerprint(this.carry.layout);
    this.slab = new StateSlab(this, this.carry.slotFloats);
  }

  /** The recurrent layers whose states each stream carries, in state order. */
  get layers(): RecurrentLayer[] {
    return this.carry.carried.map((c) => c.layer);
  }

  /** Streams held now. */
  get size(): number {
    return this.streams.size;
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  /** The ids held, least recently used first. */
  ids(): string[] {
    return [...this.streams.keys()];
  }

  /**
   * Advances stream `id` by the steps in `x` ([1, T, ...features]; a new id starts from zero states)
   * and returns what model.predict returns for them.
   */
  step(id: string, x: InputData): PredictResult<O> {
    return this.stepMany([{ id, x }])[0]!;
  }

  /**
   * Advances several streams at once: those whose inputs have the same shapes run as one batch.
   * Returns each stream's outputs in the order given. Nothing changes when any of them is refused.
   */
  stepMany(items: readonly StreamStep[]): PredictResult<O>[] {
    this.checkUsable("stepMany");
    if (!isReady()) core(this.who);
    if (!Array.isArray(items) || items.length === 0) {
      throw new WasmRnnError(`${this.who}: expected a non-empty array of { id, x }, got ${describe(items)}`);
    }
    const ids: string[] = [];
    const seen = new Set<string>();
    const inputs = items.map((item, i) => {
      if (!isObjectLiteral(item))
        throw new WasmRnnError(`${this.who}: expected item ${i} to be { id, x }, got ${describe(item)}`);
      const id = this.checkId(item.id, `item ${i}'s id`);
      if (seen.has(id))
        throw new WasmRnnError(
          `${this.who}: expected each stream once per stepMany, got id ${JSON.stringify(id)} twice`,
        );
      seen.add(id);
      ids.push(id);
      return this.streamInput(id, item.x as InputData);
    });
    this.checkRoom(ids);
    const floats = this.carry.slotFloats;
    const groups = groupByShapes(inputs);
    const results = new Array<Tensor | Tensor[]>(ids.length);
    // new streams get their (zeroed) slots now, given back if the run fails
    const slots = this.reserve(ids);
    const at = slots.map((slot) => this.slab.address(slot) >>> 2);
    // one batch writes its final states straight into the slots; several wait in staging until
    // every batch has run, so a refused batch leaves the others' streams as they were
    const staging = groups.length > 1 ? this.slab.staging(ids.length) : -1;
    try {
      for (const group of groups) {
        const run = {
          model: this.model,
          plans: this.plans,
          carry: this.carry,
          slotAt: (r: number) => (r < group.length ? at[group[r]!]! : this.zeroSlot),
          stageAt: (r: number) => (staging < 0 ? at[group[r]!]! : staging + group[r]! * floats),
        };
        const outs = runBatch(run, group, inputs);
        const one = this.model.singleOutput;
        group.forEach((g, r) => {
          results[g] = one ? outs[0]![r]! : outs.map((o) => o[r]!);
        });
      }
    } catch (err) {
      slots.forEach((slot, i) => {
        if (!this.streams.has(ids[i]!)) this.slab.give(slot);
      });
      throw err;
    }
    if (staging >= 0) {
      const f32 = heapF32();
      at.forEach((dst, i) => f32.copyWithin(dst, staging + i * floats, staging + (i + 1) * floats));
    }
    this.register(ids, slots);
    return results as PredictResult<O>[];
  }

  /** Stream `id`'s states as bytes (README "Streams" gives the format). */
  getState(id: string): Uint8Array {
    this.checkUsable("getState");
    return encodeState(this.carry.layout, this.print, this.readValues(this.slotOf(id, "getState")));
  }

  /** Replaces (or creates) stream `id`'s states from getState's bytes; refused bytes change nothing. */
  setState(id: string, bytes: Uint8Array | ArrayBuffer): void {
    this.checkUsable("setState");
    const key = this.checkId(id, "id");
    const values = decodeState(`${this.who}: setState('${key}')`, this.carry.layout, this.print, bytes);
    this.writeValues(key, values);
  }

  /** Stream `id`'s states per carried layer (`layers` order), Keras order, [1, units] each. */
  getLayerStates(id: string): Tensor[][] {
    this.checkUsable("getLayerStates");
    return layerStates(this.carry, this.readValues(this.slotOf(id, "getLayerStates")));
  }

  /** Replaces (or creates) stream `id`'s states, given as getLayerStates returns them; validated first. */
  setLayerStates(id: string, states: readonly (readonly (Tensor | TensorLike)[])[]): void {
    this.checkUsable("setLayerStates");
    const key = this.checkId(id, "id");
    this.writeValues(key, packLayerStates(`${this.who}: setLayerStates('${key}')`, this.carry, states));
  }

  /** Drops stream `id` and returns its slot; whether it was held. */
  delete(id: string): boolean {
    this.checkUsable("delete");
    const slot = this.streams.get(id);
    if (slot === undefined) return false;
    this.streams.delete(id);
    this.slab.give(slot);
    return true;
  }

  /** Drops every stream (the slots stay allocated for the next ones). */
  clear(): void {
    this.checkUsable("clear");
    for (const slot of this.streams.values()) this.slab.give(slot);
    this.streams.clear();
  }

  /** Frees the pool's wasm memory (states and plans); the model stays usable. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.streams.clear();
    this.slab.dispose();
    this.plans.release();
  }

  // ---- internals -------------------------------------------------------------------------------

  private checkUsable(what: string): void {
    if (this.disposed)
      throw new WasmRnnError(`${this.who}: expected a live pool for ${what}, got a pool freed by dispose()`);
    if (this.busy)
      throw new WasmRnnError(`${this.who}: ${what} called from inside onEvict, while the pool is changing`);
    this.model.checkAlive(`${this.who} ${what}`);
    // a Sequential given more layers has a new graph: the slots' layout no longer fits it
    if (this.model.nodes !== this.nodes) {
      throw new WasmRnnError(
        `${this.who}: ${what}: the model's layers changed after the pool was made; make a new pool`,
      );
    }
  }

  private checkId(id: unknown, what: string): string {
    if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
      const got = typeof id === "string" ? `a string of ${id.length} characters` : describe(id);
      throw new WasmRnnError(
        `${this.who}: expected ${what} to be a string of 1 to ${MAX_ID_LENGTH} characters, got ${got}`,
      );
    }
    return id;
  }

  private slotOf(id: string, what: string): number {
    const slot = this.streams.get(id);
    if (slot === undefined)
      throw new WasmRnnError(
        `${this.who}: ${what}: expected a stream the pool holds, got unknown id ${JSON.stringify(id)}`,
      );
    return slot;
  }

  /** The model's inputs for one stream, checked as predict checks them, with a batch of 1. */
  private streamInput(id: string, x: InputData): Tensor[] {
    // the common case, a tensor shaped as the last one accepted, needs no further checks
    const last = this.lastInput;
    if (last && x instanceof Tensor && x.dtype === last.dtype && sameShape(x.shape, last.shape)) return [x];
    const tensors = this.model.normalizeInputs(x, true);
    const batch = tensors[0]!.shape[0];
    if (batch !== 1) {
      const shape = `[${tensors[0]!.shape.join(", ")}]`;
      throw new WasmRnnError(
        `${this.who}: expected stream ${JSON.stringify(id)}'s x with a batch of 1 ([1, T, ...features]), got ${shape}`,
      );
    }
    if (tensors.length === 1) this.lastInput = tensors[0]!;
    return tensors;
  }

  /** Refuses, before anything runs, new streams that could not get a slot. */
  private checkRoom(ids: readonly string[]): void {
    let fresh = 0;
    for (const id of ids) if (!this.streams.has(id)) fresh++;
    const over = this.streams.size + fresh - this.maxStreams;
    if (over <= 0) return;
    const evictable = this.streams.size - (ids.length - fresh);
    if (this.evict === "error" || over > evictable) {
      throw new WasmRnnError(
        `${this.who}: expected at most maxStreams = ${this.maxStreams} streams, got ${this.streams.size} held and ${fresh} new` +
          (this.evict === "error" ? ' (delete streams, raise maxStreams, or pass onEvict: "lru")' : ""),
      );
    }
  }

  /** Each id's slot: its own, or a new zeroed one for an id the pool does not hold yet. */
  private reserve(ids: readonly string[]): number[] {
    const slots: number[] = [];
    try {
      for (const id of ids) slots.push(this.streams.get(id) ?? this.slab.take());
    } catch (err) {
      slots.forEach((slot, i) => {
        if (!this.streams.has(ids[i]!)) this.slab.give(slot);
      });
      throw err;
    }
    return slots;
  }

  /**
   * Marks the ids (with their slots) most recently used, then drops the least recently used others
   * while more than maxStreams are held (checkRoom allowed it), calling onEvict for each.
   */
  private register(ids: readonly string[], slots: readonly number[]): void {
    ids.forEach((id, i) => {
      this.streams.delete(id);
      this.streams.set(id, slots[i]!);
    });
    if (this.streams.size <= this.maxStreams) return;
    this.busy = true;
    try {
      for (const [old, slot] of this.streams) {
        if (this.streams.size <= this.maxStreams) break;
        if (typeof this.evict === "function") this.evict(old, this.getStateOfSlot(slot));
        this.slab.give(slot);
        this.streams.delete(old);
      }
    } finally {
      this.busy = false;
    }
  }

  private getStateOfSlot(slot: number): Uint8Array {
    return encodeState(this.carry.layout, this.print, this.readValues(slot));
  }

  /** A slot's packed states. */
  private readValues(slot: number): Float32Array {
    return readSlot(this.carry, this.slab.address(slot) >>> 2);
  }

  /** Writes checked packed values into `id`'s slot (a new stream when it is not held). */
  private writeValues(id: string, values: Float32Array): void {
    this.checkRoom([id]);
    const slots = this.reserve([id]);
    writeSlot(this.carry, this.slab.address(slots[0]!) >>> 2, values);
    this.register([id], slots);
  }
}

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? `an array of ${v.length}` : v instanceof Tensor ? "a Tensor" : typeof v;
