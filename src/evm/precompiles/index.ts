/**
 * Ethereum's precompiles 0x1–0x8 as pyquarkchain runs them (specials.py, Byzantium prices), keyed by the
 * last byte of their address. The interpreter gates them (active when the block timestamp is > 0) and
 * turns `undefined` into a failed call that consumes all its gas.
 */
import type { Precompile } from "../precompile.ts";
import { ecadd, ecmul, ecpairing } from "./bn254.ts";
import { ecrecover } from "./ecrecover.ts";
import { identity, ripemd160, sha256 } from "./hashes.ts";
import { modexp } from "./modexp.ts";

export type { Precompile, PrecompileResult } from "../precompile.ts";

export const precompiles: ReadonlyMap<number, Precompile> = new Map<number, Precompile>([
  [1, ecrecover],
  [2, sha256],
  [3, ripemd160],
  [4, identity],
  [5, modexp],
  [6, ecadd],
  [7, ecmul],
  [8, ecpairing],
]);
