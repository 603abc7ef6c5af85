// The pool's recency order over slots, least recently used first: a doubly linked list threaded
// through typed arrays indexed by slot, so marking a stream used is a few array writes (a Map kept
// in use order costs a delete and a set per stream per call). Slot 0, the zero slot, is never a
// stream's: it is the list's sentinel (next[0] the oldest, prev[0] the newest).
// Each slot also keeps the number of the last call that claimed it, so stepMany finds an id given
// twice without a Set per call.

export class SlotOrder {
  private prev = new Int32Array(64);
  private next = new Int32Array(64);
  private linked = new Uint8Array(64);
  private claimed = new Int32Array(64);
  private call = 0;

  /** Starts a call: slots claimed before it count as unclaimed. */
  newCall(): number {
    if (this.call >= 0x3fffffff) {
      this.claimed.fill(0);
      this.call = 0;
    }
    return ++this.call;
  }

  /** Claims `slot` for call `call`; false when that call has claimed it already. */
  claim(slot: number, call: number): boolean {
    if (this.claimed[slot] === call) return false;
    this.claimed[slot] = call;
    return true;
  }

  /** Marks `slot` the most recently used (adding it when it is not in the order). */
  touch(slot: number): void {
    if (slot >= this.linked.length) this.grow(slot);
    const next = this.next,
      prev = this.prev;
    if (this.linked[slot]) {
      if (prev[0] === slot) return;
      next[prev[slot]!] = next[slot]!;
      prev[next[slot]!] = prev[slot]!;
    } else this.linked[slot] = 1;
    const newest = prev[0]!;
    next[newest] = slot;
    prev[slot] = newest;
    next[slot] = 0;
    prev[0] = slot;
  }

  /** Takes `slot` out of the order (when its stream goes). */
  remove(slot: number): void {
    if (slot >= this.linked.length || !this.linked[slot]) return;
    this.next[this.prev[slot]!] = this.next[slot]!;
    this.prev[this.next[slot]!] = this.prev[slot]!;
    this.linked[slot] = 0;
    this.claimed[slot] = 0;
  }

  /** The least recently used slot, 0 when none is in the order. */
  oldest(): number {
    return this.next[0]!;
  }

  /** The slot used after `slot` (0 past the newest). */
  after(slot: number): number {
    return this.next[slot]!;
  }

  clear(): void {
    this.linked.fill(0);
    this.claimed.fill(0);
    this.next[0] = 0;
    this.prev[0] = 0;
  }

  private grow(slot: number): void {
    const size = Math.max(slot + 1, this.linked.length * 2);
    const bigger = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.prev = bigger(this.prev, (n) => new Int32Array(n));
    this.next = bigger(this.next, (n) => new Int32Array(n));
    this.claimed = bigger(this.claimed, (n) => new Int32Array(n));
    this.linked = bigger(this.linked, (n) => new Uint8Array(n));
  }
}
