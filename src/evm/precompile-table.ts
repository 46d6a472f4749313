/** The precompiles 0x1–0x8 the specials dispatch through (src/evm/precompiles/, by the `precomp` helper). */
export { precompiles } from "./precompiles/index.ts";
