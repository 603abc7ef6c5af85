// Minimal types for jsfive (pure-JS HDF5 reader; ships no types).
declare module "jsfive" {
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  /** Chunk filters by HDF5 filter id (1 = gzip), applied in reverse pipeline order. */
  export const Filters: Map<number, (buf: ArrayBuffer, itemSize: number, clientData: unknown) => ArrayBuffer>;
  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    readonly dtype: unknown;
    readonly attrs: Record<string, unknown>;
    readonly value: ArrayLike<number> | unknown;
  }
}
