// A Cloudflare Worker serving an LSTM over per-user streams: values arrive a few at a time, and each
// user's stream continues where it stopped, in any instance, because its state lives in a Durable
// Object's storage as the bytes of StreamPool.getState (see README.md).
//
//   POST /predict      {"user": "alice", "x": [0.1, 0.2]}  -> {"user", "y": [one forecast per step]}
//   POST /reset        {"user": "alice"}                   -> the stream starts again from zeros
//   GET  /state?user=alice                                 -> the state bytes (application/octet-stream)
//   PUT  /state?user=alice   body: state bytes             -> validated, then stored (404/400 otherwise)
//
// One Durable Object per user (idFromName(user)): Cloudflare runs each object in one place at a time
// and delivers its requests one by one, so a user's steps never race each other.
import { DurableObject } from "cloudflare:workers";
import { ready, StreamPool, tensor, WasmRnnError } from "wasm-rnn";
import { buildModel, FEATURES } from "./model.mjs";

const MAX_STEPS = 1024;
const MAX_USER_LENGTH = 200;
const MAX_STATE_BYTES = 1 << 16;

let poolPromise = null;
/**
 * One pool per isolate, built on first use (the wasm core instantiates asynchronously). It only
 * holds the streams of the requests in flight: storage is the truth, and a copy kept in the pool
 * could be stale once the object has run in another isolate.
 */
function getPool() {
  poolPromise ??= ready().then(() => new StreamPool(buildModel(), { maxStreams: 1000 }));
  return poolPromise;
}

/** Runs `fn(pool)` on `user`'s stream loaded from `saved` (zeros when undefined), then drops it from the pool. */
async function withStream(user, saved, fn) {
  const pool = await getPool();
  // Nothing awaits from here to the end: no other request of this isolate touches the pool meanwhile.
  try {
    if (saved !== undefined) pool.setState(user, saved);
    return fn(pool);
  } finally {
    pool.delete(user);
  }
}

/** Holds one user's stream state: the key is the user, the value the bytes of `pool.getState`. */
export class StreamState extends DurableObject {
  /** Advances the stream by the steps in `x` (validated by the Worker); returns the forecasts. */
  async step(user, x) {
    const saved = await this.ctx.storage.get(user);
    const { y, bytes } = await withStream(user, saved, (pool) => {
      const out = pool.step(user, tensor(x, [1, x.length / FEATURES, FEATURES]));
      return { y: Array.from(out.data), bytes: pool.getState(user) };
    });
    await this.ctx.storage.put(user, bytes);
    return y;
  }

  async readState(user) {
    return (await this.ctx.storage.get(user)) ?? null;
  }

  /** Stores `bytes` once the pool accepts them (right model, intact); else `{ error }`, nothing stored. */
  async writeState(user, bytes) {
    try {
      await withStream(user, bytes, () => {});
    } catch (err) {
      if (err instanceof WasmRnnError) return { error: `state: ${err.message}` };
      throw err;
    }
    await this.ctx.storage.put(user, bytes);
    return { stored: bytes.length };
  }

  async reset(user) {
    await this.ctx.storage.delete(user);
  }
}

class BadRequest extends Error {}

function parseUser(user) {
  if (typeof user !== "string" || !user || user.length > MAX_USER_LENGTH)
    throw new BadRequest(`user: expected a string of 1 to ${MAX_USER_LENGTH} characters`);
  return user;
}

async function parseJson(request) {
  try {
    const body = await request.json();
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body;
  } catch {
    /* reported below */
  }
  throw new BadRequest("body: expected a JSON object");
}

function parseSteps(x) {
  if (!Array.isArray(x) || !x.length || x.length > MAX_STEPS * FEATURES || !x.every(Number.isFinite))
    throw new BadRequest(`x: expected 1 to ${MAX_STEPS * FEATURES} finite numbers`);
  if (x.length % FEATURES) throw new BadRequest(`x: expected a multiple of ${FEATURES} numbers, got ${x.length}`);
  return x;
}

const streamOf = (env, user) => env.STREAMS.get(env.STREAMS.idFromName(user));

async function route(request, env) {
  const url = new URL(request.url);
  const { method } = request;
  if (method === "POST" && url.pathname === "/predict") {
    const body = await parseJson(request);
    const user = parseUser(body.user);
    const x = parseSteps(body.x);
    return Response.json({ user, y: await streamOf(env, user).step(user, x) });
  }
  if (method === "POST" && url.pathname === "/reset") {
    const user = parseUser((await parseJson(request)).user);
    await streamOf(env, user).reset(user);
    return Response.json({ user, reset: true });
  }
  if ((method === "GET" || method === "PUT") && url.pathname === "/state") {
    const user = parseUser(url.searchParams.get("user") ?? undefined);
    if (method === "GET") {
      const bytes = await streamOf(env, user).readState(user);
      if (!bytes) return Response.json({ error: `user: no state stored for ${JSON.stringify(user)}` }, { status: 404 });
      return new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
    }
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (!bytes.length || bytes.length > MAX_STATE_BYTES)
      throw new BadRequest(`state: expected 1 to ${MAX_STATE_BYTES} bytes, got ${bytes.length}`);
    const stored = await streamOf(env, user).writeState(user, bytes);
    if (stored.error) throw new BadRequest(stored.error);
    return Response.json({ user, ...stored });
  }
  return new Response('POST /predict {"user": "alice", "x": [0.1, 0.2]}\n', { status: 404 });
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (err) {
      if (err instanceof BadRequest) return Response.json({ error: err.message }, { status: 400 });
      console.error(err); // visible in `wrangler tail` and the dashboard's logs
      return Response.json({ error: "internal error" }, { status: 500 });
    }
  },
};
