// Type tests for the file functions' public types (src/io/types.ts): what loadModel takes can be
// named from both entries. Checked by `npm run typecheck` and test/types/types.test.ts; never run.
import type { TfjsModelJson as FromIo } from "../../src/entry-io.js";
import { loadModel, type TfjsArtifacts, type TfjsModelJson } from "../../src/index.js";
import type { Equal, Expect } from "./expect.js";

declare const json: TfjsModelJson;
await loadModel(json);
type _same = Expect<Equal<TfjsModelJson, FromIo>>;
type _source = Expect<
  Equal<Extract<Parameters<typeof loadModel>[0], TfjsModelJson | TfjsArtifacts>, TfjsModelJson | TfjsArtifacts>
>;
// @ts-expect-error: Property 'modelTopology' is missing
const notJson: TfjsModelJson = { format: "layers-model" };
