// fit's progress as Keras prints it (its ProgbarLogger). verbose 1: a bar per epoch, redrawn in place in
// a terminal ("12/40 [=====>.....] - ETA: 1s - loss: 0.1234"), finished by the epoch's line with its time
// per step; verbose 2: one line per epoch ("40/40 - 1s - 25ms/step - loss: 0.1234"); "auto" (the
// default, as Keras): the bar in a terminal, lines when the output is a file or a CI log, and nothing in
// a browser or worker, where there is no standard output to watch.
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { Logs } from "./types.js";

/** Where the progress goes: a terminal (redrawn with \r), or whole lines. */
export interface ProgressOutput {
  tty: boolean;
  write(text: string): void;
}

interface StdoutLike {
  isTTY?: boolean;
  write(s: string): unknown;
}

function stdout(): StdoutLike | undefined {
  const p = (globalThis as { process?: { stdout?: StdoutLike } }).process;
  return p?.stdout && typeof p.stdout.write === "function" ? p.stdout : undefined;
}

/** The runtime's standard output (Node, Deno, Bun), or console lines where there is none. */
export function defaultOutput(): ProgressOutput {
  const out = stdout();
  if (out) return { tty: out.isTTY === true, write: (s) => void out.write(s) };
  return { tty: false, write: (s) => console.log(s.replace(/\n$/, "")) };
}

/** verbose as fit takes it, resolved: "auto" is 1 in a terminal, 2 on other standard outputs, 0 without one. */
export function resolveVerbose(who: string, v: unknown): 0 | 1 | 2 {
  if (v === undefined || v === "auto") {
    const out = stdout();
    return out ? (out.isTTY ? 1 : 2) : 0;
  }
  if (v === 0 || v === 1 || v === 2) return v;
  if (v === true) return 1;
  if (v === false) return 0;
  throw new WasmRnnError(`${who}: expected verbose to be "auto", 0, 1 or 2, got ${describeValue(v)}`);
}

const BAR = 30; // Keras's Progbar width
const REDRAW_MS = 50; // Keras's Progbar interval

/** Keras's durations: "1s", "250ms", "3us" per step; "1:02:03" ETA formats above an hour. */
function perStep(ms: number): string {
  if (ms >= 1000) return `${Math.round(ms / 1000)}s/step`;
  if (ms >= 1) return `${Math.round(ms)}ms/step`;
  return `${Math.round(ms * 1000)}us/step`;
}
function eta(seconds: number): string {
  const s = Math.round(seconds);
  if (s > 3600) return `${Math.floor(s / 3600)}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  if (s > 60) return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
  return `${s}s`;
}
const pad2 = (n: number) => String(n).padStart(2, "0");

/** Keras's number format in the progress: 4 decimals, or exponent notation for tiny values. */
function num(v: number): string {
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}
const logText = (logs: Logs) =>
  Object.entries(logs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` - ${k}: ${num(v!)}`)
    .join("");

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

export class ProgressLog {
  private started = 0;
  private lastDraw = 0;
  private width = 0;

  constructor(
    private readonly verbose: 0 | 1 | 2,
    private readonly epochs: number,
    private readonly steps: number,
    private readonly out: ProgressOutput = defaultOutput(),
  ) {}

  epochBegin(epoch: number): void {
    if (this.verbose === 0) return;
    this.out.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
    this.started = this.lastDraw = now();
    this.width = 0;
  }

  /** After `done` batches; `logs()` gives the running means so far (Keras shows them on the bar). */
  batchEnd(done: number, logs: () => Logs): void {
    if (this.verbose !== 1 || !this.out.tty || done >= this.steps) return;
    const t = now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const left = ((t - this.started) / done) * (this.steps - done);
    this.draw(`${this.bar(done)} - ETA: ${eta(left / 1000)}${logText(logs())}`);
  }

  /** The epoch's final line: the whole bar (verbose 1) or the count (verbose 2), time, time per step, logs. */
  epochEnd(logs: Logs): void {
    if (this.verbose === 0) return;
    const ms = now() - this.started;
    const time = `${Math.round(ms / 1000)}s ${perStep(ms / this.steps)}`;
    const head = this.verbose === 1 ? this.bar(this.steps) : `${this.steps}/${this.steps}`;
    const line = `${head} - ${time}${logText(logs)}`;
    if (this.out.tty) this.draw(line);
    else this.out.write(line);
    this.out.write("\n");
  }

  private bar(done: number): string {
    const digits = String(this.steps).length;
    const filled = Math.floor((BAR * done) / this.steps);
    // Keras 2's Progbar: "=" up to the arrow, ">" while running, "." for the rest (all dots before the first)
    const body =
      done >= this.steps
        ? "=".repeat(BAR)
        : filled === 0
          ? ".".repeat(BAR)
          : `${"=".repeat(filled - 1)}>${".".repeat(BAR - filled)}`;
    return `${String(done).padStart(digits)}/${this.steps} [${body}]`;
  }

  /** Redraws the terminal line in place, blanking what a longer previous line left. */
  private draw(text: string): void {
    this.out.write(`\r${text}${" ".repeat(Math.max(this.width - text.length, 0))}`);
    this.width = text.length;
  }
}
