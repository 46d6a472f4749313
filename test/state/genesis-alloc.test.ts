import t from "tap";
import { LmdbKvEnv, MemoryKvEnv } from "../../src/backend/kv.ts";
import { buildGenesisState } from "../../src/backend/state/genesis-alloc.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { hex } from "../../src/codec/bytes.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { genesisCases, genesisFixtureMissing } from "../helpers/genesis-fixture.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Genesis built through the world state (GenesisManager.create_minor_block's ALLOC loop): every
 * shard's root and every account's stored RLP, code and storage as pyquarkchain's genesis
 * fixtures have them, also after the commit's batch went into LMDB and the state was reopened.
 */

const bytes = (h: string) => new Uint8Array(Buffer.from(h.slice(2), "hex"));
const missing = genesisFixtureMissing();

t.test("genesis states from the fixtures' ALLOC", { skip: missing }, async (t) => {
  for (const c of genesisCases()) {
    t.test(c.case, async (t) => {
      const config = loadQuarkChainConfig(c.cluster_config_json);
      const states = new Map<number, WorldState>();
      for (const s of c.shards) {
        const { state, commit } = buildGenesisState(config, s.full_shard_id, new MemoryKvEnv().shard(0));
        t.equal(hex(commit.root), s.evm_state_root.slice(2), `${s.full_shard_id}: evm state root`);
        states.set(s.full_shard_id, state);
      }
      for (const a of c.accounts ?? []) {
        const state = states.get(a.full_shard_id)!;
        const recipient = bytes(a.recipient);
        const rlp = state.storedAccount(recipient);
        t.equal(rlp === undefined ? null : "0x" + hex(rlp), a.account_rlp, `${a.address}: account rlp`);
        t.equal(state.accountExists(recipient), a.exists, `${a.address}: exists`);
        t.equal(state.getNonce(recipient), BigInt(a.nonce), `${a.address}: nonce`);
        t.equal("0x" + hex(state.getCode(recipient)), a.code, `${a.address}: code`);
        for (const [slot, value] of Object.entries(a.storage ?? {})) {
          t.equal(state.getStorage(recipient, BigInt(slot)), BigInt(value), `${a.address}: slot ${slot}`);
        }
        const balances = Object.fromEntries([...state.getBalances(recipient)].map(([k, v]) => [k.toString(), v]));
        const want = Object.fromEntries(Object.entries(a.token_balances).map(([k, v]) => [k, BigInt(v.balance)]));
        t.strictSame(balances, want, `${a.address}: balances`);
      }
    });
  }
});

t.test("a genesis state stored in LMDB reads back after reopening", { skip: missing }, async (t) => {
  const c = genesisCases().find((x) => x.case === "token_trie")!;
  const config = loadQuarkChainConfig(c.cluster_config_json);
  const dir = mkdtempSync(join(tmpdir(), "qkc-world-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const roots = new Map<number, Uint8Array>();
  let env = new LmdbKvEnv(dir);
  for (const s of c.shards) {
    const kv = env.shard(s.full_shard_id);
    const { commit } = buildGenesisState(config, s.full_shard_id, kv);
    kv.write(commit.writes);
    roots.set(s.full_shard_id, commit.root);
  }
  await env.close();

  env = new LmdbKvEnv(dir);
  t.teardown(() => env.close());
  for (const a of c.accounts ?? []) {
    const state = WorldState.open(env.shard(a.full_shard_id), roots.get(a.full_shard_id));
    const recipient = bytes(a.recipient);
    const rlp = state.storedAccount(recipient);
    t.equal(rlp === undefined ? null : "0x" + hex(rlp), a.account_rlp, `${a.address}: account rlp`);
    const want = Object.fromEntries(Object.entries(a.token_balances).map(([k, v]) => [k, BigInt(v.balance)]));
    const got = Object.fromEntries([...state.getBalances(recipient)].map(([k, v]) => [k.toString(), v]));
    t.strictSame(got, want, `${a.address}: balances (a token trie is read back through its key preimages)`);
  }
});
