// The workerd test's half for examples/worker: two users' streams sent a few steps at a time,
// interleaved, with workerd restarted midway (the Durable Objects' storage is on disk), must give
// what one `predict` over each user's whole sequence gives here in Node; the state bytes can be
// read, copied to another user, and refused when altered, truncated or another model's; bad requests
// are 400s naming the field.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const withinKerasTolerance = (got, want) =>
  got.length === want.length && got.every((g, i) => Math.abs(g - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]));
const largestDifference = (got, want) =>
  got.length === want.length ? Math.max(...got.map((g, i) => Math.abs(g - want[i]))) : Infinity;

/** `n` values of a smooth, user-specific signal. */
const signal = (n, phase) => Array.from({ length: n }, (_, t) => Number(Math.sin(0.7 * t + phase).toFixed(4)));

export async function checkStreamsExample({ check, appDir, url, restart, log }) {
  // Node's side: the example's own model module (the same seeded weights), plain build
  // the app's installed copy, which model.mjs's "wasm-rnn" resolves to (one core instance for both)
  const lib = await import(pathToFileURL(join(appDir, "node_modules", "wasm-rnn", "dist", "index.js")).href);
  const { buildModel, FEATURES, UNITS } = await import(pathToFileURL(join(appDir, "model.mjs")).href);
  await lib.ready({ simd: "plain" });
  const model = buildModel();
  const predict = (x) => Array.from(model.predict(lib.tensor(x, [1, x.length / FEATURES, FEATURES])).data);

  const send = async (method, path, body) => {
    const r = await fetch(`${url}${path}`, {
      method,
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const bytes = new Uint8Array(await r.arrayBuffer());
    const json = r.headers.get("content-type")?.startsWith("application/json")
      ? JSON.parse(new TextDecoder().decode(bytes))
      : null;
    return { status: r.status, json, bytes };
  };
  const step = async (user, x) => {
    const r = await send("POST", "/predict", { user, x });
    if (r.status !== 200) throw new Error(`POST /predict ${user}: ${r.status} ${JSON.stringify(r.json)}\n${log()}`);
    return r.json.y;
  };

  // two users, interleaved, in chunks of different lengths; workerd restarts between the chunks
  const alice = signal(7, 0);
  const bob = signal(5, 1.3);
  const got = { alice: [], bob: [] };
  got.alice.push(...(await step("alice", alice.slice(0, 2))));
  got.bob.push(...(await step("bob", bob.slice(0, 3))));
  got.alice.push(...(await step("alice", alice.slice(2, 3))));
  got.bob.push(...(await step("bob", bob.slice(3, 4))));
  const { before, after } = await restart();
  got.alice.push(...(await step("alice", alice.slice(3, 7))));
  got.bob.push(...(await step("bob", bob.slice(4, 5))));
  const want = { alice: predict(alice), bob: predict(bob) };
  for (const user of ["alice", "bob"])
    check(
      `examples/worker: ${user}'s steps, interleaved with another user's and across a restart of workerd, equal one predict`,
      withinKerasTolerance(got[user], want[user]) && before !== after,
      `${got[user].length} steps, largest difference ${largestDifference(got[user], want[user])}, workerd pid ${before} -> ${after}`,
    );
  // the check above could fail: after the restart, a stream starting again from zeros differs
  const fromZeros = predict(alice.slice(3, 7));
  check(
    "examples/worker: a stream restarted from zeros would differ (so the state did carry)",
    largestDifference(fromZeros, want.alice.slice(3)) > 1e-3,
    `largest difference ${largestDifference(fromZeros, want.alice.slice(3))}`,
  );

  // the state bytes: 20 + 4N bytes, N = h and c of the LSTM
  const saved = await send("GET", "/state?user=alice");
  const magic = new TextDecoder().decode(saved.bytes.subarray(0, 4));
  check(
    "examples/worker: GET /state gives the stream's state bytes",
    saved.status === 200 && saved.bytes.length === 20 + 4 * 2 * UNITS && magic === "WRNS",
    `${saved.status}, ${saved.bytes.length} bytes, magic ${JSON.stringify(magic)}`,
  );
  const copied = await send("PUT", "/state?user=carol", saved.bytes);
  const more = signal(3, 2.1);
  const [aliceMore, carolMore] = [await step("alice", more), await step("carol", more)];
  const wantMore = predict([...alice, ...more]).slice(alice.length);
  check(
    "examples/worker: PUT /state moves a stream to another user, who continues it",
    copied.status === 200 && withinKerasTolerance(aliceMore, wantMore) && withinKerasTolerance(carolMore, wantMore),
    `${copied.status} ${JSON.stringify(copied.json)}, largest difference ${largestDifference(carolMore, wantMore)}`,
  );

  // refused states: altered (a float's byte flipped), truncated, another model's; nothing stored then
  const carolState = (await send("GET", "/state?user=carol")).bytes;
  const altered = carolState.slice();
  altered[20] ^= 0x40;
  const other = buildOtherModelState(lib, UNITS);
  for (const [what, bytes] of [
    ["altered", altered],
    ["truncated", carolState.subarray(0, 30)],
    ["another model's", other],
  ]) {
    const r = await send("PUT", "/state?user=carol", bytes);
    check(
      `examples/worker: PUT /state of ${what} bytes is a 400 naming the state`,
      r.status === 400 && /^state: /.test(r.json?.error ?? ""),
      `${bytes.length} bytes: ${r.status} ${JSON.stringify(r.json)}`,
    );
  }
  const carolAfter = (await send("GET", "/state?user=carol")).bytes;
  check(
    "examples/worker: a refused state leaves the stored one as it was",
    carolAfter.length === carolState.length && carolAfter.every((b, i) => b === carolState[i]),
    `${carolAfter.length} bytes`,
  );

  // reset: the stream starts again from zeros
  const reset = await send("POST", "/reset", { user: "alice" });
  const again = await step("alice", alice.slice(0, 2));
  check(
    "examples/worker: after /reset the stream starts from zeros",
    reset.status === 200 && withinKerasTolerance(again, want.alice.slice(0, 2)),
    `largest difference ${largestDifference(again, want.alice.slice(0, 2))}`,
  );
  const none = await send("GET", "/state?user=nobody");
  check("examples/worker: GET /state of an unknown user is a 404", none.status === 404, `${none.status}`);

  // bad requests name the field
  for (const [path, body, field] of [
    ["/predict", { user: "dave", x: [0.1, "a"] }, "x"],
    ["/predict", { user: "dave", x: [] }, "x"],
    ["/predict", { x: [0.1] }, "user"],
    ["/predict", [1, 2], "body"],
    ["/reset", { user: "" }, "user"],
  ]) {
    const r = await send("POST", path, body);
    check(
      `examples/worker: POST ${path} ${JSON.stringify(body)} is a 400 naming ${field}`,
      r.status === 400 && r.json?.error?.startsWith(`${field}: `),
      `${r.status} ${JSON.stringify(r.json)}`,
    );
  }
  const empty = await send("PUT", "/state?user=carol", new Uint8Array(0));
  check(
    "examples/worker: an empty PUT /state is a 400 naming the state",
    empty.status === 400 && /^state: /.test(empty.json?.error ?? ""),
    `${empty.status} ${JSON.stringify(empty.json)}`,
  );
  model.dispose();
}

/**
 * The state bytes of another model's stream, as long as the example's (a GRU of 2 x UNITS units: one
 * state of 16 floats, where the LSTM has two of 8), so only the fingerprint can tell them apart.
 */
function buildOtherModelState(lib, units) {
  const x = lib.Input({ shape: [null, 1] });
  const other = new lib.Model({ inputs: x, outputs: new lib.GRU({ units: 2 * units }).apply(x) });
  const pool = new lib.StreamPool(other, { maxStreams: 1 });
  pool.step("s", lib.tensor([0.5], [1, 1, 1]));
  const bytes = pool.getState("s");
  pool.dispose();
  other.dispose();
  return bytes;
}
