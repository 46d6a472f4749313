import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AllocEntry, parseAllocEntry } from "./alloc.ts";
import { asArray, asObject, asString, fail, fromHex } from "./fields.ts";
import { type ConfigJson, parseConfigJson } from "./json.ts";
import {
  type LoadtestAccount,
  type QuarkChainConfig,
  type ShardConfig,
  fullShardIdByFullShardKey,
} from "./quarkchain-config.ts";

/** What update_genesis_alloc logs, for the caller's logger (config/ has none). */
export interface GenesisDirNote {
  level: "info" | "warn";
  msg: string;
}

export interface GenesisDirResult {
  config: QuarkChainConfig;
  notes: GenesisDirNote[];
}

const QUARKSH = 10n ** 18n;

/**
 * cluster_config.py update_genesis_alloc, which slave.py and master.py run on the cluster config
 * when GENESIS_DIR is set (a path relative to the working directory, as os.path.join leaves it):
 *
 * - `alloc/<chain>.json` for each chain 0..CHAIN_SIZE-1: a list of {"address": 48 hex digits}; each
 *   address gets the fixed allocation below in the shard its full_shard_key selects, under the key
 *   as written. Any failure (a missing file included) drops every alloc-file account again, logged
 *   as a warning ("Cleared all partially imported genesis accounts!").
 * - `loadtest.json`: a list of {"address", "key"}; each recipient gets the allocation in every shard
 *   of the network, keyed recipient + that shard's full id. A missing or unparsable file imports no
 *   loadtest account (logged). pyquarkchain imports the entries before a bad one and then fails
 *   creating its shards (TransactionGenerator reads every entry): a bad entry is refused here.
 *
 * An ALLOC key already present keeps its place and takes the new value (a Python dict); a new key
 * goes last. Only the shards' ALLOC changes, as in pyquarkchain (CHAINS[i].GENESIS is untouched).
 */
export function applyGenesisDir(config: QuarkChainConfig, dir: string): GenesisDirResult {
  const notes: GenesisDirNote[] = [];
  // The allocation dict: GENESIS_TOKEN first; a later literal of the same name wins, in its first place.
  const allocation = new Map<string, bigint>([
    [config.GENESIS_TOKEN, 1000000n * QUARKSH],
    ["QETC", 2n * 10n ** 8n * QUARKSH],
    ["QFB", 3n * 10n ** 8n * QUARKSH],
    ["QAAPL", 4n * 10n ** 8n * QUARKSH],
    ["QTSLA", 5n * 10n ** 8n * QUARKSH],
  ]);
  const allocJson = Object.fromEntries([...allocation].map(([token, amount]) => [token, amount]));
  const entry = (key: string, path: string): AllocEntry => parseAllocEntry(key, allocJson, path);

  // Each shard's ALLOC as a Python dict: a Map keeps a replaced key in its first place.
  const allocs = new Map(
    [...config.shards].map(([id, s]) => [id, new Map(s.GENESIS.ALLOC.map((e) => [e.key, e]))] as const),
  );
  const put = (fullShardId: number, e: AllocEntry) => allocs.get(fullShardId)!.set(e.key, e);

  // alloc/<chain>.json: all or nothing.
  const fromFiles: [number, AllocEntry][] = [];
  let file = "";
  try {
    for (let chainId = 0; chainId < config.CHAIN_SIZE; chainId++) {
      file = join(dir, "alloc", `${chainId}.json`);
      const items = asArray(readJson(file), file);
      items.forEach((item, i) => {
        const path = `${file}[${i}].address`;
        const key = addressText(asObject(item, `${file}[${i}]`)["address"], path);
        const address = parseAllocEntry(key, {}, path).address;
        fromFiles.push([shardOf(config, address.full_shard_key, path), entry(key, path)]);
      });
      notes.push({
        level: "info",
        msg: `[${chainId}] Imported ${items.length} genesis accounts into config from ${file}`,
      });
    }
    for (const [id, e] of fromFiles) put(id, e);
  } catch (err) {
    notes.push({ level: "warn", msg: `Error importing genesis accounts from ${file}: ${(err as Error).message}` });
    notes.push({ level: "warn", msg: "Cleared all partially imported genesis accounts!" });
  }

  // loadtest.json: every account on every shard.
  const loadtestFile = join(dir, "loadtest.json");
  let loadtest: ConfigJson | undefined;
  try {
    loadtest = readJson(loadtestFile);
  } catch {
    notes.push({ level: "info", msg: "No loadtest accounts imported into genesis alloc" });
  }
  const loadtestAccounts: LoadtestAccount[] = [];
  if (loadtest !== undefined) {
    asArray(loadtest, loadtestFile).forEach((item, i) => {
      const path = `${loadtestFile}[${i}]`;
      const obj = asObject(item, path);
      const address = parseAllocEntry(addressText(obj["address"], `${path}.address`), {}, `${path}.address`).address;
      const key = fromHex(asString(obj["key"], `${path}.key`), `${path}.key`, 32);
      loadtestAccounts.push({ address, key });
      const recipient = Buffer.from(address.recipient).toString("hex");
      for (const id of config.shards.keys()) {
        put(id, entry(recipient + id.toString(16).padStart(8, "0"), path));
      }
    });
    notes.push({ level: "info", msg: `Imported ${loadtestAccounts.length} loadtest accounts from ${loadtestFile}` });
  }

  const shards = new Map<number, ShardConfig>(
    [...config.shards].map(([id, s]) => [
      id,
      { ...s, GENESIS: { ...s.GENESIS, ALLOC: [...allocs.get(id)!.values()] } },
    ]),
  );
  return { config: { ...config, shards, loadtestAccounts }, notes };
}

function readJson(file: string): ConfigJson {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return fail(file, `cannot read: ${(err as Error).message}`);
  }
  try {
    return parseConfigJson(text);
  } catch (err) {
    return fail(file, `invalid JSON: ${(err as Error).message}`);
  }
}

/** Address.create_from on a string: exactly 48 hex digits (20-byte recipient, 4-byte full_shard_key). */
function addressText(j: ConfigJson | undefined, path: string): string {
  const text = asString(j, path);
  if (!/^[0-9a-fA-F]{48}$/.test(text)) fail(path, `expected 48 hex digits, got ${JSON.stringify(text)}`);
  return text;
}

function shardOf(config: QuarkChainConfig, fullShardKey: number, path: string): number {
  try {
    return fullShardIdByFullShardKey(config, fullShardKey);
  } catch (err) {
    return fail(path, (err as Error).message);
  }
}
