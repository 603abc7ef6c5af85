// Loading and saving models (Keras .keras / .h5, TF.js layers format). HDF5 and zip readers are
// imported lazily inside, so importing this costs nothing until a file of that kind is read.
export { loadModel, loadWeights, type LoadOptions, type TfjsArtifacts, type ShardSource, type ByteSource, type ShardBytes, type ShardProvider, type TfjsModelJson } from "./load.js";
export { saveModel, type SavedArtifacts, type SavedFiles } from "./save.js";
export { registerLayer, type LayerEntry, type LoadContext, ConfigReader } from "./registry.js";
