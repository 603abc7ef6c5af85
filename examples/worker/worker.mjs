// A Cloudflare Worker serving LSTM predictions and keeping each user's LSTM state [h, c] between
// requests, so a stream of values can arrive a few at a time (see README.md).
//
//   POST /predict  {"user": "alice", "x": [0.1, 0.2], "state": {"h": [...], "c": [...]}}
//     -> {"user", "y": [[...], ...] (one row of UNITS per step), "state": {"h", "c"}, "build"}
//   POST /reset    {"user": "alice"}
//
// State travels in the request: send back the `state` of the previous reply to continue a sequence
// (the reliable way, since a Worker's memory is not shared between instances). Without `state`, the
// Worker continues from the state it last returned to that user in this instance, or from zeros.
import { Input, LSTM, Model, ready, setRandomSeed, tensor } from "wasm-rnn";

const UNITS = 8;
const FEATURES = 1;
const MAX_STEPS = 1024;
const MAX_USERS = 10_000;

let model = null;
let lstm = null;
/**
 * Built on the first request (the wasm core instantiates asynchronously): a stateful LSTM over one
 * stream at a time (batch 1). Each request swaps the user's [h, c] in with setStates, predicts (the
 * layer continues from them), and reads the new states back with getStates.
 */
async function getModel() {
  if (!model) {
    await ready();
    // Demo weights, repeatable; a real deployment sets trained ones (layer.setWeights or loadModel).
    setRandomSeed(42);
    const x = Input({ batchShape: [1, null, FEATURES] });
    lstm = new LSTM({ units: UNITS, returnSequences: true, stateful: true });
    model = new Model({ inputs: x, outputs: lstm.apply(x) });
  }
  return model;
}

/** Last state returned to each user by this instance (a Map keeps insertion order: oldest first). */
const states = new Map();
function remember(user, state) {
  states.delete(user);
  states.set(user, state);
  if (states.size > MAX_USERS) states.delete(states.keys().next().value);
}

class BadRequest extends Error {}

function vector(v, name) {
  if (!Array.isArray(v) || v.length !== UNITS || !v.every(Number.isFinite)) {
    throw new BadRequest(`${name}: expected ${UNITS} finite numbers`);
  }
  return v;
}

function parse(body) {
  if (typeof body !== "object" || body === null) throw new BadRequest("expected a JSON object");
  const { user, x, state } = body;
  if (typeof user !== "string" || !user || user.length > 200) throw new BadRequest("user: expected a non-empty string");
  if (!Array.isArray(x) || !x.length || x.length > MAX_STEPS * FEATURES || !x.every(Number.isFinite)) {
    throw new BadRequest(`x: expected 1 to ${MAX_STEPS} finite numbers`);
  }
  if (state !== undefined && (typeof state !== "object" || state === null))
    throw new BadRequest("state: expected {h, c}");
  return {
    user,
    x,
    state: state === undefined ? undefined : { h: vector(state.h, "state.h"), c: vector(state.c, "state.c") },
  };
}

async function predict(body) {
  const { user, x, state } = parse(body);
  const m = await getModel();
  const start = state ?? states.get(user) ?? { h: new Array(UNITS).fill(0), c: new Array(UNITS).fill(0) };
  const steps = x.length / FEATURES;
  lstm.setStates([tensor(start.h, [1, UNITS]), tensor(start.c, [1, UNITS])]);
  const y = m.predict(tensor(x, [1, steps, FEATURES]));
  const [h, c] = lstm.getStates();
  const rows = [];
  for (let t = 0; t < steps; t++) rows.push(Array.from(y.data.subarray(t * UNITS, (t + 1) * UNITS)));
  const next = { h: Array.from(h.data), c: Array.from(c.data) };
  remember(user, next);
  return { user, y: rows, state: next };
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    try {
      if (request.method === "POST" && pathname === "/predict") {
        return Response.json(await predict(await request.json()));
      }
      if (request.method === "POST" && pathname === "/reset") {
        const { user } = await request.json();
        states.delete(user);
        return Response.json({ user, reset: true });
      }
      return new Response('POST /predict {"user": "alice", "x": [0.1, 0.2]}\n', { status: 404 });
    } catch (err) {
      if (err instanceof BadRequest || err instanceof SyntaxError)
        return Response.json({ error: err.message }, { status: 400 });
      console.error(err); // visible in `wrangler tail` and the dashboard's logs
      return Response.json({ error: "internal error" }, { status: 500 });
    }
  },
};
