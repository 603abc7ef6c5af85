// A large stepMany splits its batch across the worker pool (ready({ threads })), and gives what
// it gives on the main thread alone, bit for bit. Its own file: ready({ threads }) comes first.
import { beforeAll, expect, it } from "vitest";
import { splitEverything, usePool, workerPool } from "../../src/core/threads.js";
import { Dense, Input, LSTM, Model, ready, StreamPool, setRandomSeed, type Tensor, tensor } from "../../src/index.js";

beforeAll(async () => {
  await ready({ threads: 2 });
});

it("stepMany over 64 streams splits across workers and equals the one-thread run", () => {
  setRandomSeed(3);
  const x = Input({ shape: [null, 16] });
  const y = new Dense({ units: 4 }).apply(new LSTM({ units: 32 }).apply(x));
  const model = new Model({ inputs: x, outputs: y });
  const items = Array.from({ length: 64 }, (_, i) => ({
    id: `user-${i}`,
    x: tensor(
      Float32Array.from({ length: 2 * 16 }, (_, j) => Math.sin(i * 0.7 + j * 0.3)),
      [1, 2, 16],
    ),
  }));
  const pool = workerPool()!;
  const post = pool.post.bind(pool);
  let posts = 0;
  pool.post = (...args) => {
    posts++;
    post(...args);
  };
  splitEverything(true);
  try {
    usePool(false);
    const alone = new StreamPool(model);
    const ref = [alone.stepMany(items), alone.stepMany(items)];
    expect(posts).toBe(0);
    usePool(true);
    const split = new StreamPool(model);
    const got = [split.stepMany(items), split.stepMany(items)];
    expect(posts).toBeGreaterThan(0);
    got.forEach((run, k) =>
      run.forEach((t, i) => expect(Array.from((t as Tensor).data)).toEqual(Array.from((ref[k]![i] as Tensor).data))),
    );
  } finally {
    pool.post = post;
    splitEverything(false);
    usePool(true);
  }
});
