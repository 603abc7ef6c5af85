// The test Worker for workerd: imports the package by name (bundled with the `workerd` condition,
// as wrangler does) and answers GET /checks with the Keras-case report for the build the SIMD
// binding asks for ("plain" or "auto").
import * as lib from "wasm-rnn";
// a bundled app opts into training (the fit cases): the training core as a .wasm module (condition workerd)
import "wasm-rnn/train";
import picked from "./cases.json" with { type: "json" };
import { runChecks } from "./checks.mjs";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/checks") return new Response("not found", { status: 404 });
    try {
      return Response.json(await runChecks(lib, picked, env.SIMD ?? "auto"));
    } catch (err) {
      return new Response(String(err && err.stack ? err.stack : err), { status: 500 });
    }
  },
};
