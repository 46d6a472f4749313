import { type ExecRules, type ExecState, type ExecWorld, newExecState } from "../src/backend/exec/exec-state.ts";
import type { BlockEnv } from "../src/evm/env.ts";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { TransactionType, type TypedTransaction } from "../src/messages/core.ts";
import { type EvmTransaction, encodeEvmTransaction, unsignedHash } from "../src/tx/transaction.ts";
import { keccak256 } from "../src/crypto/keccak.ts";
import { QKC, blockEnv } from "./fake-world.ts";

/*
 * Transactions as the tests and benches run them outside a block: the chain rules of pyquarkchain's
 * test env, an ExecState around a world, and unsigned transactions whose sender the caller passes.
 */

/**
 * pyquarkchain's DEFAULT_ENV as its transaction tests set State up: REWARD_TAX_RATE 1/2, QKC the
 * genesis and default token of chains 0-2, 2 shards a chain, every fork switch on.
 */
export function execRules(over: Partial<ExecRules> = {}): ExecRules {
  return {
    localFeeRate: { numerator: 1n, denominator: 2n },
    genesisToken: QKC,
    enableEvmTimestamp: null,
    eip155SignerTimestamp: null,
    chainDefaultToken: (c) => (c < 3 ? QKC : undefined),
    shardSize: () => 2,
    ...over,
  };
}

/** The block a fresh pyquarkchain State() stands in, as its transaction test scripts run them. */
export const PY_STATE_BLOCK: Partial<BlockEnv> = { timestamp: 100n, number: 0n, difficulty: 1n, gasLimit: 10n ** 7n };

/** A block's ExecState over `world`, with the block's gas limit as the state's. */
export function execStateOf(
  world: ExecWorld,
  block: Partial<BlockEnv> = {},
  rules: Partial<ExecRules> = {},
): ExecState {
  const env = blockEnv(block);
  return newExecState(world, env, execRules(rules), env.gasLimit);
}

/** An unsigned in-shard transfer of QKC (v, r, s zero: the sender is given, not recovered). */
export function qkcTx(f: Partial<EvmTransaction> = {}): EvmTransaction {
  return {
    nonce: 0n,
    gasprice: 1n,
    startgas: 100000n,
    to: new Uint8Array(20),
    value: 0n,
    data: new Uint8Array(0),
    network_id: 3n,
    from_full_shard_key: 0,
    to_full_shard_key: 0,
    gas_token_id: QKC,
    transfer_token_id: QKC,
    version: 0n,
    v: 0n,
    r: 0n,
    s: 0n,
    ...f,
  };
}

/** `tx` signed with `key` as pyquarkchain's Transaction.sign does (v = 27 + recovery id), wrapped for a block. */
export function signedTx(tx: EvmTransaction, key: Uint8Array): TypedTransaction {
  const raw = secp256k1.sign(unsignedHash(tx), key, { prehash: false, format: "recovered" });
  const sig = secp256k1.Signature.fromBytes(raw, "recovered");
  const signed = { ...tx, v: 27n + BigInt(sig.recovery!), r: sig.r, s: sig.s };
  return { tx: { type: TransactionType.SERIALIZED_EVM, serialized_tx: encodeEvmTransaction(signed) } };
}

/** The 20-byte address of a secret key (keccak of the uncompressed public key, last 20 bytes). */
export function addressOf(key: Uint8Array): Uint8Array {
  return keccak256(secp256k1.getPublicKey(key, false).subarray(1)).subarray(12);
}
