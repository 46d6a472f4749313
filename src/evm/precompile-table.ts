/** The precompiles 0x1–0x8 by address number (src/evm/precompiles/index.ts). */
export { precompiles } from "./precompiles/index.ts";
