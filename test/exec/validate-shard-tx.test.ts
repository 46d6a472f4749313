import t from "tap";
import { isCrossShard } from "../../src/backend/exec/cross-shard.ts";
import { type ShardTxRules, validateShardTransaction } from "../../src/backend/exec/validate-shard-tx.ts";
import type { TxValidationEnv } from "../../src/backend/exec/validate-tx.ts";
import type { EvmTransaction } from "../../src/tx/transaction.ts";
import { FakeWorld } from "./fake-world.ts";
import { qkcTx } from "../../harness/exec-env.ts";

// A shard 0 of chain 0 in a cluster of 2 chains x 2 shards (full shard ids 0x2, 0x3, 0x10002, 0x10003).
const QKC = 0x8bb0n;
const SENDER = new Uint8Array(20).fill(0x5e);
const shardSize = (chain: number): number => (chain < 2 ? 2 : NaN);
const fullShardIdOf = (key: number): number | undefined => {
  const chain = key >>> 16;
  return chain < 2 ? ((chain << 16) | 2 | (key & 1)) >>> 0 : undefined;
};
const rules = (f: Partial<ShardTxRules> = {}): ShardTxRules => ({
  networkId: 3n,
  ethChainId: 100001n,
  isInBranch: (key) => fullShardIdOf(key) === 2,
  fullShardIdOf,
  isInitialized: (id) => id !== 0x10003,
  isNeighbor: () => true,
  xshardGasLimit: 6_000_000n,
  enableTxTimestamp: null,
  txWhitelistSenders: new Set(),
  enableEvmTimestamp: null,
  ...f,
});
const env: TxValidationEnv = {
  defaultChainToken: QKC,
  genesisToken: QKC,
  timestamp: 100n,
  gasUsed: 0n,
  gasLimit: 12_000_000n,
  eip155SignerTimestamp: null,
  chainDefaultToken: () => QKC,
  tryPayAsGas: () => ({ refundRate: 0n, convertedPrice: 0n }),
  gasReserve: () => 0n,
};
const tx = (f: Partial<EvmTransaction> = {}): EvmTransaction =>
  qkcTx({ startgas: 30000n, to: new Uint8Array(20).fill(1), value: 1n, v: 27n, r: 1n, s: 1n, ...f });
const crossShard = (x: EvmTransaction): boolean => isCrossShard(x, shardSize);

t.test("ShardState.__validate_tx's own rules come first, each named", async (t) => {
  const world = new FakeWorld();
  world.setBalance(SENDER, QKC, 10n ** 18n);
  const check = (f: Partial<EvmTransaction>, r: Partial<ShardTxRules> = {}, sender: Uint8Array | null = SENDER) =>
    validateShardTransaction(world, tx(f), sender, crossShard, rules(r), env);
  t.equal(check({}), undefined, "a valid in-shard transfer");
  t.match(check({ network_id: 1n }), { rule: "NetworkIdMismatch" });
  t.match(check({ version: 2n, network_id: 3n }), { rule: "NetworkIdMismatch" }, "version 2 wants ETH_CHAIN_ID");
  t.match(check({ from_full_shard_key: 1 }), { rule: "NotInBranch" });
  t.match(check({ to_full_shard_key: 0x50000 }), { rule: "UnknownChain" });
  t.match(check({ to_full_shard_key: 0x10001 }), { rule: "TargetShardNotInitialized" });
  t.match(check({ to_full_shard_key: 1 }, { isNeighbor: () => false }), { rule: "TargetShardNotNeighbor" });
  t.match(check({ to_full_shard_key: 1, startgas: 6_000_001n }), { rule: "XshardGasLimitExceeded" });
  t.equal(check({ to_full_shard_key: 1, startgas: 6_000_000n }), undefined, "at the cross-shard limit");
  t.match(check({}, { enableTxTimestamp: 101n }), { rule: "SenderNotWhitelisted" });
  t.equal(check({}, { enableTxTimestamp: 101n, txWhitelistSenders: new Set(["5e".repeat(20)]) }), undefined);
  t.match(check({ data: Uint8Array.of(1) }, { enableEvmTimestamp: 101n }), { rule: "EvmNotEnabled" });
  t.match(check({ to: new Uint8Array(0) }, { enableEvmTimestamp: 101n }), { rule: "EvmNotEnabled" });
  t.match(check({}, {}, null), { rule: "UnsignedTransaction" });
});

t.test("a nonce up to 64 ahead is kept for later; beyond, or behind, validate_transaction refuses it", async (t) => {
  const world = new FakeWorld();
  world.setBalance(SENDER, QKC, 10n ** 18n);
  world.setNonce(SENDER, 5n);
  const check = (nonce: bigint) => validateShardTransaction(world, tx({ nonce }), SENDER, crossShard, rules(), env);
  t.same(check(6n), { futureNonce: true });
  t.same(check(69n), { futureNonce: true });
  t.match(check(70n), { rule: "InvalidNonce" });
  t.match(check(4n), { rule: "InvalidNonce" });
  t.equal(check(5n), undefined);
});
