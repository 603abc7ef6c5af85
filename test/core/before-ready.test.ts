// Runs in its own module instance (vitest isolates files): the core has not been instantiated.
import { describe, expect, it } from "vitest";
import { Input, LSTM, ready, WasmRnnError } from "../../src/index.js";

describe("before ready()", () => {
  it("building a layer names the layer and says what to do", () => {
    const x = Input({ shape: [3, 1] });
    const lstm = new LSTM({ units: 1, name: "early" });
    expect(() => lstm.apply(x)).toThrow(WasmRnnError);
    expect(() => lstm.apply(x)).toThrow(/LSTM 'early'.*await ready\(\)/);
    expect(lstm.built).toBe(false);
  });

  it("works once ready() has resolved, and ready() is idempotent", async () => {
    await Promise.all([ready(), ready()]);
    const x = Input({ shape: [3, 1] });
    const lstm = new LSTM({ units: 1, name: "late" });
    expect(() => lstm.apply(x)).not.toThrow();
    await ready();
  });
});
