// Real models from ../shared/fixtures through every format each golden names: the trained
// English->French seq2seq (TF.js, Keras 2.2.2), the TF.js e2e GRU, and the DL4J Keras-2 .h5 files
// with their TF.js re-packs. Expected values come from the goldens (real Keras); nothing here is
// computed by hand.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Dense,
  Input,
  type LSTM,
  loadModel,
  Model,
  ready,
  type SymbolicTensor,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { expectClose, FIXTURES, hasFixtures } from "../helpers/cases.js";
import { checkGolden, type Golden, goldenTensor, readGolden } from "../helpers/golden.js";

beforeAll(async () => {
  await ready();
});

if (!hasFixtures) {
  describe("real models (fixtures)", () => {
    it.skip(`skipped: ${FIXTURES} is absent (the shared fixtures folder beside the checkout)`, () => {});
  });
}

const SEQ2SEQ = join(FIXTURES, "tfjs-translation-seq2seq");

describe.runIf(hasFixtures)("tfjs-translation-seq2seq: trained English->French model (TF.js, Keras 2.2.2)", () => {
  const g = hasFixtures
    ? readGolden("tfjs-translation-seq2seq", "full_model_teacher_forced_go.json")
    : (null as unknown as Golden);

  it("loads from model.json with its shard (no .bin suffix) and has the file's layers and weights", async () => {
    const model = await loadModel(join(SEQ2SEQ, "model.json"));
    expect(model.name).toBe("model_1");
    expect(model.layers.map((l) => `${l.className}:${l.name}`)).toEqual([
      "InputLayer:input_1",
      "InputLayer:input_2",
      "LSTM:lstm_1",
      "LSTM:lstm_2",
      "Dense:dense_1",
    ]);
    const lstm = model.getLayer("lstm_1") as LSTM<true>;
    expect(lstm.recurrentActivation).toBe("hard_sigmoid_legacy"); // Keras 2 file: 0.2x + 0.5
    expect(lstm.returnState).toBe(true);
    expect(model.countParams()).toBe(2990512 / 4);
    // first values of the shard are dense_1/kernel (manifest order)
    const shard = readFileSync(join(SEQ2SEQ, "group1-shard1of1"));
    const first = new Float32Array(shard.buffer.slice(shard.byteOffset, shard.byteOffset + 16));
    expect([...model.getLayer("dense_1").getWeights()[0]!.data.slice(0, 4)]).toEqual([...first]);
    model.dispose();
  });

  it("the full model, teacher-forced on 'Go.', matches Keras; the encoder sub-model gives Keras's states", async () => {
    const model = await loadModel(join(SEQ2SEQ, "model.json"));
    checkGolden(model, g, "full model", g.outputs.slice(0, 1));
    const encIn = Input({ shape: [null, 81] });
    const [, h, c] = (model.getLayer("lstm_1") as LSTM<true>).apply(encIn);
    const encoder = new Model({ inputs: encIn, outputs: [h, c] });
    const [gh, gc] = encoder.predict(goldenTensor(g.inputs[0]!)) as Tensor[];
    expectClose(gh!, goldenTensor(g.outputs[1]!), "encoder state_h", g.tolerance);
    expectClose(gc!, goldenTensor(g.outputs[2]!), "encoder state_c", g.tolerance);
    model.dispose();
  });

  it("the five greedy translations, step by step with encoder and decoder sub-models sharing the loaded layers", async () => {
    const model = await loadModel({
      modelJson: readFileSync(join(SEQ2SEQ, "model.json"), "utf8"),
      weights: { "group1-shard1of1": readFileSync(join(SEQ2SEQ, "group1-shard1of1")) },
    });
    const meta = JSON.parse(readFileSync(join(SEQ2SEQ, "metadata.json"), "utf8")) as {
      input_token_index: Record<string, number>;
      target_token_index: Record<string, number>;
      max_encoder_seq_length: number;
      max_decoder_seq_length: number;
    };
    const golden = JSON.parse(readFileSync(join(SEQ2SEQ, "goldens", "greedy_translations.json"), "utf8")) as {
      translations: { input: string; greedy_output: string }[];
    };
    const nIn = Object.keys(meta.input_token_index).length,
      nOut = Object.keys(meta.target_token_index).length;
    const reverse = new Map(Object.entries(meta.target_token_index).map(([ch, i]) => [i, ch]));

    const encIn = Input({ shape: [null, nIn] });
    const [, h, c] = (model.getLayer("lstm_1") as LSTM<true>).apply(encIn);
    const encoder = new Model({ inputs: encIn, outputs: [h, c] });
    const decIn = Input({ shape: [1, nOut] });
    const hIn = Input({ shape: [256] }),
      cIn = Input({ shape: [256] });
    const [y, h2, c2] = (model.getLayer("lstm_2") as LSTM<true>).apply(decIn, { initialState: [hIn, cIn] });
    const probs: SymbolicTensor = (model.getLayer("dense_1") as Dense).apply(y);
    const decoder = new Model({ inputs: [decIn, hIn, cIn], outputs: [probs, h2, c2] });

    const translate = (sentence: string): string => {
      const x = new Float32Array(meta.max_encoder_seq_length * nIn);
      [...sentence].forEach((ch, t) => {
        x[t * nIn + meta.input_token_index[ch]!] = 1;
      });
      let [sh, sc] = encoder.predict(tensor(x, [1, meta.max_encoder_seq_length, nIn])) as Tensor[];
      let token = meta.target_token_index["\t"]!;
      let out = "";
      for (;;) {
        const step = new Float32Array(nOut);
        step[token] = 1;
        const [p, nh, nc] = decoder.predict([tensor(step, [1, 1, nOut]), sh!, sc!]) as Tensor[];
        let best = 0;
        for (let i = 1; i < nOut; i++) if (p!.data[i]! > p!.data[best]!) best = i;
        const ch = reverse.get(best)!;
        if (ch === "\n" || out.length + 1 > meta.max_decoder_seq_length) {
          out += ch === "\n" ? ch : "";
          break;
        }
        out += ch;
        token = best;
        [sh, sc] = [nh!, nc!];
      }
      return out;
    };
    expect(golden.translations.length).toBe(5);
    for (const t of golden.translations)
      expect(translate(t.input), `translation of ${JSON.stringify(t.input)}`).toBe(t.greedy_output);
    model.dispose();
  });

  it("Keras 3's hard_sigmoid (forced) changes the numbers, so the version choice is what makes them match", async () => {
    const model = await loadModel(join(SEQ2SEQ, "model.json"), { hardSigmoid: "keras3" });
    expect(() => checkGolden(model, g, "forced keras3", g.outputs.slice(0, 1))).toThrow();
    model.dispose();
  });
});

describe.runIf(hasFixtures)("tfjs-e2e-gru (TF.js Sequential, bare modelTopology)", () => {
  const path = join(FIXTURES, "tfjs-e2e-gru", "model.json");
  it("gru_embedding.json matches the repo's expected values", async () => {
    const model = await loadModel(path);
    checkGolden(model, readGolden("tfjs-e2e-gru", "gru_embedding.json"), "gru_embedding");
    model.dispose();
  });
});

const DL4J = join(FIXTURES, "dl4j-keras-rnn");

describe.runIf(hasFixtures)("dl4j-keras-rnn: Keras 2 .h5 and the TF.js copies", () => {
  const files = hasFixtures
    ? readdirSync(join(DL4J, "goldens"))
        .filter((f) => f.endsWith(".json"))
        .sort()
    : [];
  it("has the 60 goldens the fixtures README lists", () => {
    expect(files.length).toBe(60);
  });
  for (const f of files) {
    const g = readGolden("dl4j-keras-rnn", f);
    const tfjsPath = join(DL4J, g.tfjs_model!);
    it(`${f} via .h5 (${g.model})`, async () => {
      let model;
      if (g.model.includes(" + ")) {
        // a config JSON plus a weights-only h5 (model.to_json() + save_weights)
        const [config, weights] = g.model.split(" + ") as [string, string];
        const dir = join(DL4J, config.split("/").slice(0, -1).join("/"));
        model = await loadModel(join(DL4J, config), { weights: join(dir, weights) });
      } else {
        model = await loadModel(join(DL4J, g.model));
      }
      checkGolden(model, g, `${f} (.h5)`);
      model.dispose();
    });
    it(`${f} via TF.js (${g.tfjs_model})`, async () => {
      expect(existsSync(tfjsPath)).toBe(true);
      const model = await loadModel(tfjsPath);
      checkGolden(model, g, `${f} (tfjs)`);
      model.dispose();
    });
  }
});

describe.runIf(hasFixtures)("weights-only h5 without a config", () => {
  it("loadModel refuses it and says to use loadWeights", async () => {
    await expect(loadModel(join(DL4J, "fullconfigs/lstm/lstm_th_keras_2_weights.h5"))).rejects.toThrow(WasmRnnError);
    await expect(loadModel(join(DL4J, "fullconfigs/lstm/lstm_th_keras_2_weights.h5"))).rejects.toThrow(
      /weights only.*loadWeights/,
    );
  });
});

describe.runIf(hasFixtures)("loading from a URL", () => {
  it("fetches model.json, then its shard relative to the model's URL", async () => {
    const seen: string[] = [];
    const fakeFetch = (async (url: string) => {
      seen.push(url);
      const m = /^https:\/\/models\.example\/seq2seq\/([\w.-]+)$/.exec(url);
      if (!m) return new Response("not found", { status: 404, statusText: "Not Found" });
      return new Response(readFileSync(join(SEQ2SEQ, m[1]!)));
    }) as typeof fetch;
    const model = await loadModel("https://models.example/seq2seq/model.json", { fetch: fakeFetch });
    expect(seen).toEqual([
      "https://models.example/seq2seq/model.json",
      "https://models.example/seq2seq/group1-shard1of1",
    ]);
    const g = readGolden("tfjs-translation-seq2seq", "full_model_teacher_forced_go.json");
    checkGolden(model, g, "via URL", g.outputs.slice(0, 1));
    model.dispose();
    await expect(loadModel("https://models.example/other/model.json", { fetch: fakeFetch })).rejects.toThrow(
      /expected HTTP 200 .* got 404/,
    );
  });
});
