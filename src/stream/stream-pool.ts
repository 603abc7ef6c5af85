// StreamPool: per-stream inference over one model. Each stream (a user, a device, a session) has
// its recurrent layers' states in a slot of wasm memory (slab.ts); a step gathers the states of the
// streams it advances into a batch, runs the model's plan once, and scatters the final states back.
// States leave and enter as bytes (state-bytes.ts) so they can outlive the process.
//
// Shapes: a stream's input is [1, T, ...features]; n streams with the same shapes run as one batch
// of rows(n) >= n rows (a few plan sizes, the padding rows reading the zero slot).
import { WasmRnnError } from "../core/errors.js";
import { core, heapF32, isReady, kernels } from "../core/instance.js";
import { Tensor, type TensorLike } from "../core/tensor.js";
import { isObjectLiteral, sameShape } from "../core/validate.js";
import type { RecurrentLayer } from "../layers/recurrent.js";
import type { Model } from "../model/model.js";
import type { ModelOutputs, PredictResult } from "../model/outputs.js";
import { PlanCache } from "../model/plan.js";
import type { InputData } from "../model/predict.js";
import { batchRows, groupByShapes, runBatch, type StreamInput } from "./batch-run.js";
import { type CarriedPlan, carriedPlan } from "./carried.js";
import { type EvictPolicy, poolOptions, type StreamPoolOptions } from "./pool-options.js";
import { StateSlab } from "./slab.js";
import { SlotOrder } from "./slot-order.js";
import { layerStates, packLayerStates, readSlot, writeSlot } from "./slot-values.js";
import { decodeState, encodeState, fingerprint } from "./state-bytes.js";

export type { EvictPolicy, StreamPoolOptions } from "./pool-options.js";

/** One stream's new steps for stepMany. */
export interface StreamStep {
  id: string;
  /** As for predict, with a batch of 1: [1, T, ...features] per input. */
  x: InputData;
}

const MAX_ID_LENGTH = 1024;

/**
 * Streams over a model with outputs `O`: step returns what that model's predict returns. (The
 * default is ModelOutputs, not AnyOutputs, because TypeScript types a model written inline in
 * `new StreamPool(new Model({ ... }))` through this default: AnyOutputs has no tuple in it, so a
 * model's `[a, b]` outputs would come out as an array of unknown length.)
 */
export class StreamPool<O extends ModelOutputs = ModelOutputs> {
  readonly maxStreams: number;
  private readonly who = "StreamPool";
  private readonly evict: EvictPolicy;
  private readonly carry: CarriedPlan;
  private readonly print: number;
  private readonly slab: StateSlab;
  /** Stream id -> slot. */
  private readonly streams = new Map<string, number>();
  /** The slots' use order (least recently used first) and the id of each slot's stream. */
  private readonly order = new SlotOrder();
  private readonly idOf: string[] = [];
  private readonly plans = new PlanCache(16);
  private busy = false;
  /** A call's slots and their byte addresses, by index in the call (grown, reused). */
  private callSlots = new Int32Array(64);
  private callAddrs = new Int32Array(64);
  /** The model's layer calls the pool was made for. */
  private readonly nodes: readonly unknown[];
  /** The last one-input stream input accepted (its dtype and shape pass at once next time). */
  private lastInput: Tensor | null = null;
  /** Whether this call checked an input in full (then its inputs may differ in shape). */
  private checkedInput = false;
  private disposed = false;

  constructor(
    readonly model: Model<O>,
    options?: StreamPoolOptions,
  ) {
    if (typeof model?.predict !== "function" || !Array.isArray((model as Model).nodes)) {
      throw new WasmRnnError(`StreamPool: expected a Model, got ${model === null ? "null" : typeof model}`);
    }
    model.checkAlive("a StreamPool");
    const { maxStreams, evict } = poolOptions(this.who, options);
    this.maxStreams = maxStreams;
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
    const out: string[] = [];
    for (let s = this.order.oldest(); s !== 0; s = this.order.after(s)) out.push(this.idOf[s]!);
    return out;
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
    const n = items.length;
    if (n > this.callSlots.length) this.growCall(n);
    const slots = this.callSlots;
    const inputs = new Array<StreamInput>(n);
    // checks every item before anything changes; a held stream's slot is claimed for this call (an
    // id given twice finds its slot claimed), a new one is -1 until its slot is taken
    const call = this.order.newCall();
    let fresh: Set<string> | null = null;
    this.checkedInput = false;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (!isObjectLiteral(item))
        throw new WasmRnnError(`${this.who}: expected item ${i} to be { id, x }, got ${describe(item)}`);
      const id = this.checkId(item.id, `item ${i}'s id`);
      const slot = this.streams.get(id);
      if (slot === undefined ? (fresh ??= new Set()).has(id) : !this.order.claim(slot, call))
        throw new WasmRnnError(
          `${this.who}: expected each stream once per stepMany, got id ${JSON.stringify(id)} twice`,
        );
      if (slot === undefined) fresh!.add(id);
      slots[i] = slot ?? -1;
      inputs[i] = this.streamInput(id, item.x as InputData);
    }
    const freshCount = fresh ? fresh.size : 0;
    this.checkRoom(freshCount, n - freshCount);
    // inputs all shaped as the last accepted one run as one batch
    const groups = this.checkedInput ? groupByShapes(inputs, n) : null;
    // new streams get their (zeroed) slots now, given back if the run fails
    if (freshCount > 0) this.reserve(items, n);
    const addrs = this.callAddrs;
    for (let i = 0; i < n; i++) addrs[i] = this.slab.address(slots[i]!);
    const results = new Array<Tensor | Tensor[]>(n);
    try {
      // one batch writes its final states straight into the slots; several wait in staging until
      // every batch has run, so a refused batch leaves the others' streams as they were
      const staging = groups && groups.length > 1 ? this.slab.staging(n) : 0;
      const run = {
        model: this.model,
        plans: this.plans,
        carry: this.carry,
        slotAddrs: addrs,
        zeroSlot: this.slab.address(0),
        lists: this.slab.lists(2 * batchRows(n)),
        staging,
        results,
      };
      if (!groups) runBatch(run, null, inputs);
      else for (const group of groups) runBatch(run, group, inputs);
      if (staging) {
        new Int32Array(heapF32().buffer, run.lists, n).set(addrs.subarray(0, n));
        kernels().scatter_rows(n, this.carry.slotFloats, staging, run.lists, 0);
      }
    } catch (err) {
      if (freshCount > 0) for (let i = 0; i < n; i++) if (!this.streams.has(items[i]!.id)) this.slab.give(slots[i]!);
      throw err;
    }
    this.register(items, n, freshCount);
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
    this.drop(id, slot);
    return true;
  }

  /** Drops every stream (the slots stay allocated for the next ones). */
  clear(): void {
    this.checkUsable("clear");
    for (const slot of this.streams.values()) this.slab.give(slot);
    this.streams.clear();
    this.order.clear();
    this.idOf.length = 0;
  }

  /** Frees the pool's wasm memory (states and plans); the model stays usable. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.streams.clear();
    this.order.clear();
    this.idOf.length = 0;
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
  private streamInput(id: string, x: InputData): StreamInput {
    // the common case, a tensor shaped as the last one accepted, needs no further checks
    const last = this.lastInput;
    if (last && x instanceof Tensor && x.dtype === last.dtype && sameShape(x.shape, last.shape)) return x;
    this.checkedInput = true;
    const tensors = this.model.normalizeInputs(x, true);
    const batch = tensors[0]!.shape[0];
    if (batch !== 1) {
      const shape = `[${tensors[0]!.shape.join(", ")}]`;
      throw new WasmRnnError(
        `${this.who}: expected stream ${JSON.stringify(id)}'s x with a batch of 1 ([1, T, ...features]), got ${shape}`,
      );
    }
    if (tensors.length > 1) return tensors;
    this.lastInput = tensors[0]!;
    return tensors[0]!;
  }

  /** Refuses, before anything runs, `fresh` new streams (beside `held` of the call) that could not get a slot. */
  private checkRoom(fresh: number, held: number): void {
    const over = this.streams.size + fresh - this.maxStreams;
    if (over <= 0) return;
    const evictable = this.streams.size - held;
    if (this.evict === "error" || over > evictable) {
      throw new WasmRnnError(
        `${this.who}: expected at most maxStreams = ${this.maxStreams} streams, got ${this.streams.size} held and ${fresh} new` +
          (this.evict === "error" ? ' (delete streams, raise maxStreams, or pass onEvict: "lru")' : ""),
      );
    }
  }

  /** A new zeroed slot for each of the call's entries without one (-1); those taken are given back if one fails. */
  private reserve(items: readonly StreamStep[], n: number): void {
    const slots = this.callSlots;
    let i = 0;
    try {
      for (; i < n; i++) if (slots[i] === -1) slots[i] = this.slab.take();
    } catch (err) {
      for (let j = 0; j < i; j++) if (!this.streams.has(items[j]!.id)) this.slab.give(slots[j]!);
      throw err;
    }
  }

  /**
   * Marks the call's streams (new ones with their slots) most recently used, in the order given,
   * then drops the least recently used others while more than maxStreams are held (checkRoom
   * allowed it), calling onEvict for each.
   */
  private register(items: readonly { readonly id: string }[], n: number, fresh: number): void {
    const slots = this.callSlots;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      if (fresh > 0 && !this.streams.has(items[i]!.id)) {
        this.streams.set(items[i]!.id, slot);
        this.idOf[slot] = items[i]!.id;
      }
      this.order.touch(slot);
    }
    if (this.streams.size <= this.maxStreams) return;
    this.busy = true;
    try {
      while (this.streams.size > this.maxStreams) {
        const slot = this.order.oldest();
        const old = this.idOf[slot]!;
        if (typeof this.evict === "function") this.evict(old, this.getStateOfSlot(slot));
        this.drop(old, slot);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Forgets stream `id` and gives its slot back. */
  private drop(id: string, slot: number): void {
    this.streams.delete(id);
    this.order.remove(slot);
    this.slab.give(slot);
  }

  private growCall(n: number): void {
    const size = Math.max(n, 2 * this.callSlots.length);
    this.callSlots = new Int32Array(size);
    this.callAddrs = new Int32Array(size);
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
    const held = this.streams.get(id);
    const fresh = held === undefined ? 1 : 0;
    this.checkRoom(fresh, 1 - fresh);
    const slot = held ?? this.slab.take();
    writeSlot(this.carry, this.slab.address(slot) >>> 2, values);
    this.callSlots[0] = slot;
    this.register([{ id }], 1, fresh);
  }
}

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? `an array of ${v.length}` : v instanceof Tensor ? "a Tensor" : typeof v;
