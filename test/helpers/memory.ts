// Lets the finalizers of garbage from earlier tests run now (models left undisposed free their
// wasm memory when collected, and freeing one can release more for the next collection), so a
// measurement of memory before and after some work sees only that work. Needs `--expose-gc`
// (vitest.config.ts); without it, it only yields to the event loop.
export async function settleGarbage(measure: () => number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let last = Number.NaN;
  for (let round = 0, still = 0; round < 20 && still < 2; round++) {
    gc?.();
    // FinalizationRegistry callbacks run as tasks after the collection
    await new Promise((resolve) => setTimeout(resolve, 0));
    const now = measure();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}
