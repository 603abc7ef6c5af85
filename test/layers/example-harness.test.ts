import { beforeAll } from "vitest";
import { ready } from "../../src/index.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_example.json");
