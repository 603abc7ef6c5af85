// "wasm-rnn/io": loading and saving models, as the default entry exports them (loadModel,
// loadWeights, saveModel); importing it also enables Model's save and loadWeights methods in a
// bundled app (model/features.ts), hence the side effect, listed under "sideEffects" in package.json
// so bundlers keep it even for `import "wasm-rnn/io"`. Unbundled, Model imports it on first use.
import { provideFileCode } from "./io/index.js";

export {
  type LoadOptions,
  loadModel,
  loadWeights,
  type SavedArtifacts,
  type SavedFiles,
  type SaveOptions,
  type ShardSource,
  saveModel,
  type TfjsArtifacts,
  type TfjsModelJson,
} from "./io/index.js";

provideFileCode();
