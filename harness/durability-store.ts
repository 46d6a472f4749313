import { BlockNote, ChainDb } from "../src/backend/chain/chain-store.ts";
import { minorBlockHash, rootBlockHash } from "../src/backend/genesis.ts";
import type { Kv } from "../src/backend/kv.ts";
import { decodeAccount } from "../src/backend/state/account-rlp.ts";
import { BLANK_CODE_HASH, StateDb } from "../src/backend/state/state-db.ts";
import { BLANK_ROOT } from "../src/backend/state/trie/index.ts";
import { encode } from "../src/codec/index.ts";
import { SHARD_A, SHARD_B, type Stream } from "./durability-stream.ts";
import { trieRoot } from "./trie-oracle.ts";

/*
 * A killed slave's store, read while the slave is down: every block it holds of the stream is
 * whole (its note, receipts and deposit hashes are the model's; the world state at its state
 * root is complete: every trie node, storage and token trie and code present, and the root
 * recomputed from the entries read), the blocks it holds are a prefix of each shard's chain,
 * its tips name stored blocks, and each root block it holds confirms what the model's does.
 */

const hexOf = (b: Uint8Array | undefined) => (b === undefined ? "none" : Buffer.from(b).toString("hex"));

export async function checkStore(stream: Stream, dir: string): Promise<string[]> {
  const problems: string[] = [];
  const db = ChainDb.open(dir);
  try {
    for (const shard of [SHARD_A, SHARD_B]) {
      const store = db.shard(shard);
      const model = stream.model.chain(shard)!.store;
      let gap: bigint | undefined;
      for (const block of stream.chains.get(shard)!) {
        const hash = minorBlockHash(block.header);
        const h = block.header.height;
        if (!store.hasMinorBlock(hash)) {
          gap ??= h;
          continue;
        }
        const at = `shard ${shard} height ${h}`;
        if (gap !== undefined) problems.push(`${at} is stored, height ${gap} below it is not`);
        const note = store.blockNote(hash);
        if (!note || hexOf(encode(BlockNote, note)) !== hexOf(encode(BlockNote, model.blockNote(hash)!)))
          problems.push(`${at}: its note is missing or differs`);
        if (hexOf(store.receipts(hash)) !== hexOf(model.receipts(hash)))
          problems.push(`${at}: its receipts are missing or differ`);
        if (joined(store.depositHashes(hash)) !== joined(model.depositHashes(hash)))
          problems.push(`${at}: its deposit hashes are missing or differ`);
        const state = stateProblem(store.stateKv, block.meta.hash_evm_state_root);
        if (state) problems.push(`${at}: world state: ${state}`);
      }
      const tips = store.tips();
      if (tips && !store.hasMinorBlock(tips.header))
        problems.push(`shard ${shard}: the tips record names a block not stored`);
      if (tips && !store.hasRootBlock(tips.root))
        problems.push(`shard ${shard}: the tips record names a root not stored`);
      for (const step of stream.steps) {
        if (step.kind !== "root") continue;
        const hash = rootBlockHash(step.root.header);
        if (!store.hasRootBlock(hash)) continue;
        if (hexOf(store.lastConfirmedAt(hash) ?? undefined) !== hexOf(model.lastConfirmedAt(hash) ?? undefined))
          problems.push(
            `shard ${shard}: root block ${step.root.header.height} confirms another block than the model's`,
          );
      }
    }
  } finally {
    await db.close();
  }
  return problems;
}

const joined = (hashes: Uint8Array[] | undefined) => hashes?.map(hexOf).join(",") ?? "none";

/** Why the world state at `root` is not whole in `kv`, or undefined when it is. */
function stateProblem(kv: Kv, root: Uint8Array): string | undefined {
  const db = new StateDb(kv);
  try {
    const accounts = walkTrie(db, root);
    for (const [, value] of accounts) {
      const account = decodeAccount(value);
      walkTrie(db, account.storageRoot);
      if (account.tokenBalances[0] === 0x01) walkTrie(db, account.tokenBalances.subarray(1));
      if (hexOf(account.codeHash) !== hexOf(BLANK_CODE_HASH)) db.code(account.codeHash);
    }
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Every entry of the secure trie at `root`, read node by node; throws when a node is missing or the entries make another root. */
function walkTrie(db: StateDb, root: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  if (hexOf(root) === hexOf(BLANK_ROOT)) return [];
  const entries = [...db.openTrie(root).hashedEntries()];
  const again = trieRoot(entries);
  if (hexOf(again) !== hexOf(root)) throw new Error(`trie ${hexOf(root)} recomputes to ${hexOf(again)}`);
  return entries;
}
