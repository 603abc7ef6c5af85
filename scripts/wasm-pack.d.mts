// Types of wasm-pack.mjs for the tests that pack with it (test/core/pack.test.ts).
export const BLOCK: number;
export function interleave(builds: Uint8Array[], block?: number): Buffer;
export function packBuilds(
  named: Record<string, Uint8Array>,
  block?: number,
): { builds: string[]; lengths: number[]; block: number; deflated: string };
