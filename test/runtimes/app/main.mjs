// What a user's program does in Deno or Bun (run from a folder whose node_modules has wasm-rnn):
// import the package by name, replay the Keras cases, print one JSON line. Needs no permissions.
import * as lib from "wasm-rnn";
import picked from "./cases.json" with { type: "json" };
import { runChecks } from "./checks.mjs";

const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const report = await runChecks(lib, picked, args[0] ?? "auto");
console.log(JSON.stringify(report));
