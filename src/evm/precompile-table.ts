import type { Precompile } from "./precompile.ts";

/**
 * The precompiles 0x1–0x8 by address number, as src/evm/precompiles/index.ts exports them. Until that
 * module lands this table is empty, and a call to 0x1–0x8 runs the address's (empty) code.
 */
export const precompiles: ReadonlyMap<number, Precompile> = new Map();
