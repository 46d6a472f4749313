import type { Address } from "../messages/core.ts";
import { type ConfigJson } from "./json.ts";
import { asInt, asObject, asString, fail, fromHex } from "./fields.ts";
import { TokenNameError, tokenIdEncode } from "./token.ts";

export interface AllocBalance {
  token: string;
  tokenId: bigint;
  amount: bigint;
}

/**
 * One GENESIS.ALLOC entry, in the order written. pyquarkchain applies it as: code (and
 * nonce 1), then storage slots, then balances; each step touches the account.
 */
export interface AllocEntry {
  /** The key as written: 48 hex digits, 20-byte recipient then 4-byte full_shard_key. */
  key: string;
  address: Address;
  /** Present when the value has a "code" key (even empty code sets nonce 1). */
  code: Uint8Array | null;
  /** (slot, value) pairs, zero values included; null when there is no "storage" key. */
  storage: [bigint, bigint][] | null;
  /** Amounts in written order, zeros included (a zero still creates the account in the cache). */
  balances: AllocBalance[];
}

const MAX_WORD = (1n << 256n) - 1n;
const has = (o: object, k: string) => Object.hasOwn(o, k);

/** A storage key or value: pyquarkchain always drops the first two characters (the "0x"), then reads hex. */
function storageWord(text: ConfigJson | undefined, path: string): bigint {
  const bytes = fromHex(asString(text, path).slice(2), path);
  const v = bytes.length === 0 ? 0n : BigInt("0x" + Buffer.from(bytes).toString("hex"));
  if (v > MAX_WORD) fail(path, "does not fit in 32 bytes");
  return v;
}

function token(name: string, path: string): bigint {
  try {
    return tokenIdEncode(name);
  } catch (err) {
    if (err instanceof TokenNameError) fail(path, err.message);
    throw err;
  }
}

export function parseAllocEntry(key: string, json: ConfigJson | undefined, path: string): AllocEntry {
  const raw = fromHex(key, path, 24);
  const address = {
    recipient: raw.slice(0, 20),
    full_shard_key: Buffer.from(raw.buffer, raw.byteOffset + 20, 4).readUInt32BE(0),
  };
  const data = asObject(json, path);
  let code: Uint8Array | null = null;
  if (has(data, "code")) {
    const text = asString(data["code"], `${path}.code`);
    code = fromHex(text.startsWith("0x") ? text.slice(2) : text, `${path}.code`);
  }
  let storage: [bigint, bigint][] | null = null;
  if (has(data, "storage")) {
    const slots = asObject(data["storage"], `${path}.storage`);
    storage = Object.entries(slots).map(([k, v]) => [
      storageWord(k, `${path}.storage key ${JSON.stringify(k)}`),
      storageWord(v, `${path}.storage[${JSON.stringify(k)}]`),
    ]);
  }
  // v2 {"balances": {...}, "code", "storage"}; v1 {TOKEN: amount, ...}: every other key is a token.
  const v2 = has(data, "balances");
  const tokens = v2 ? asObject(data["balances"], `${path}.balances`) : data;
  const balances = Object.entries(tokens)
    .filter(([name]) => name !== "code" && name !== "storage")
    .map(([name, amount]) => {
      const p = `${path}${v2 ? ".balances" : ""}.${name}`;
      return { token: name, tokenId: token(name, p), amount: asInt(amount, p) };
    });
  return { key, address, code, storage, balances };
}

export function parseAlloc(json: ConfigJson | undefined, path: string): AllocEntry[] {
  if (json === undefined) return [];
  return Object.entries(asObject(json, path)).map(([k, v]) => parseAllocEntry(k, v, `${path}[${JSON.stringify(k)}]`));
}
