/**
 * A state-test file (Ethereum's GeneralStateTests format, and QuarkChain's additions) read the way
 * pyquarkchain's checker reads it (quarkchain/evm/tests/new_statetest_utils.py): only the
 * `ConstantinopleFix` post entries count.
 */
import { readFileSync } from "node:fs";

export const CHECKED_FORK = "ConstantinopleFix";

/** A fixture that cannot be read as a state test: the file and what is wrong. */
export class FixtureError extends Error {
  override readonly name = "FixtureError";
}

export interface PreAccount {
  readonly address: Uint8Array;
  readonly nonce: bigint;
  /** token id -> balance; Ethereum tests' single `balance` is the QKC entry. */
  readonly balances: ReadonlyMap<bigint, bigint> | null;
  /** The single `balance`, set with State.set_balance (the default chain token), when `balances` is absent. */
  readonly balance: bigint;
  readonly code: Uint8Array;
  readonly storage: ReadonlyMap<bigint, bigint>;
}

export interface StateTestEnv {
  readonly coinbase: Uint8Array;
  readonly difficulty: bigint;
  readonly gasLimit: bigint;
  readonly number: bigint;
  readonly timestamp: bigint;
  readonly previousHash: Uint8Array;
  /** env.overrides.specialContractTimestamp: special address (20 bytes) -> enable timestamp. */
  readonly specialTimestamps: ReadonlyArray<readonly [Uint8Array, bigint]>;
}

/** The raw `transaction` section: its variant lists are picked by each entry's indexes. */
export interface StateTestTransaction {
  readonly nonce: bigint;
  readonly gasPrice: bigint;
  readonly to: string;
  readonly secretKey: Uint8Array | null;
  readonly data: readonly string[];
  readonly gasLimit: readonly string[];
  readonly value: readonly string[];
  readonly transferTokenId: readonly string[] | null;
}

export interface PostEntry {
  readonly d: number;
  readonly g: number;
  readonly v: number;
  /** The transferTokenId index (QuarkChain tests), else 0. */
  readonly t: number;
  readonly expectedRoot: string;
}

export interface StateTest {
  readonly file: string;
  readonly name: string;
  /** QuarkChainStateTests use QuarkChain's account layout; the rest Ethereum's (test_state.py). */
  readonly qkcState: boolean;
  readonly env: StateTestEnv;
  readonly pre: readonly PreAccount[];
  readonly transaction: StateTestTransaction;
  readonly entries: readonly PostEntry[];
}

/** utils.parse_int_or_hex: "0x…" is hex (odd lengths allowed, "0x" is 0), anything else decimal. */
export function parseIntOrHex(s: unknown, what: string): bigint {
  if (typeof s === "number" && Number.isSafeInteger(s)) return BigInt(s);
  if (typeof s !== "string") throw new FixtureError(`${what}: not a number or string`);
  if (s.startsWith("0x") || s.startsWith("0X")) {
    const tail = s.slice(2);
    if (tail === "") return 0n;
    if (!/^[0-9a-fA-F]+$/.test(tail)) throw new FixtureError(`${what}: bad hex ${JSON.stringify(s)}`);
    return BigInt("0x" + tail);
  }
  if (!/^[0-9]+$/.test(s.trim())) throw new FixtureError(`${what}: bad integer ${JSON.stringify(s)}`);
  return BigInt(s.trim());
}

/** decode_hex(remove_0x_head(s)). */
export function parseHexBytes(s: unknown, what: string): Uint8Array {
  if (typeof s !== "string") throw new FixtureError(`${what}: not a string`);
  const tail = s.startsWith("0x") ? s.slice(2) : s;
  if (tail.length % 2 || !/^[0-9a-fA-F]*$/.test(tail)) throw new FixtureError(`${what}: bad hex`);
  return Uint8Array.from(Buffer.from(tail, "hex"));
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new FixtureError(`${what}: not an object`);
  return v as Record<string, unknown>;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw new FixtureError(`${what}: not a list of strings`);
  return v as string[];
}

function address(s: unknown, what: string): Uint8Array {
  const a = parseHexBytes(s, what);
  if (a.length !== 20) throw new FixtureError(`${what}: not a 20-byte address`);
  return a;
}

function readEnv(raw: Record<string, unknown>): StateTestEnv {
  const overrides = raw["overrides"] === undefined ? {} : obj(raw["overrides"], "env.overrides");
  const specials = (overrides["specialContractTimestamp"] ?? []) as unknown[];
  return {
    coinbase: address(raw["currentCoinbase"], "env.currentCoinbase"),
    difficulty: parseIntOrHex(raw["currentDifficulty"], "env.currentDifficulty"),
    gasLimit: parseIntOrHex(raw["currentGasLimit"], "env.currentGasLimit"),
    number: parseIntOrHex(raw["currentNumber"], "env.currentNumber"),
    timestamp: parseIntOrHex(raw["currentTimestamp"], "env.currentTimestamp"),
    previousHash: parseHexBytes(raw["previousHash"], "env.previousHash"),
    specialTimestamps: specials.map((o, i) => {
      const s = obj(o, `env.overrides.specialContractTimestamp[${i}]`);
      return [address(s["address"], "special address"), parseIntOrHex(s["timestamp"], "special timestamp")] as const;
    }),
  };
}

function readPre(raw: Record<string, unknown>, qkcState: boolean): PreAccount[] {
  return Object.entries(raw).map(([addr, value]) => {
    const a = obj(value, `pre.${addr}`);
    const storage = new Map<bigint, bigint>();
    for (const [k, v] of Object.entries(obj(a["storage"] ?? {}, `pre.${addr}.storage`))) {
      storage.set(parseIntOrHex(k, "storage key"), parseIntOrHex(v, "storage value"));
    }
    let balances: Map<bigint, bigint> | null = null;
    // init_state: only QuarkChain tests may give a `balances` map.
    if (qkcState && a["balances"] !== undefined) {
      balances = new Map();
      for (const [token, amount] of Object.entries(obj(a["balances"], `pre.${addr}.balances`))) {
        balances.set(parseIntOrHex(token, "token id"), parseIntOrHex(amount, "token balance"));
      }
    }
    return {
      address: address(addr, `pre key ${addr}`),
      nonce: parseIntOrHex(a["nonce"], `pre.${addr}.nonce`),
      balances,
      balance: balances === null ? parseIntOrHex(a["balance"], `pre.${addr}.balance`) : 0n,
      code: parseHexBytes(a["code"], `pre.${addr}.code`),
      storage,
    };
  });
}

function readTransaction(raw: Record<string, unknown>): StateTestTransaction {
  const secret = raw["secretKey"];
  return {
    // `txdata["nonce"] or b"0"`: an empty string counts as 0.
    nonce: raw["nonce"] === "" ? 0n : parseIntOrHex(raw["nonce"], "transaction.nonce"),
    gasPrice: raw["gasPrice"] === "" ? 0n : parseIntOrHex(raw["gasPrice"], "transaction.gasPrice"),
    to: typeof raw["to"] === "string" ? raw["to"] : "",
    secretKey: secret === undefined ? null : parseHexBytes(secret, "transaction.secretKey"),
    data: strings(raw["data"], "transaction.data"),
    gasLimit: strings(raw["gasLimit"], "transaction.gasLimit"),
    value: strings(raw["value"], "transaction.value"),
    transferTokenId: raw["transferTokenId"] === undefined ? null : strings(raw["transferTokenId"], "transferTokenId"),
  };
}

function readEntries(raw: unknown, file: string, name: string): PostEntry[] {
  const post = obj(raw, `${file} ${name} post`);
  const list = post[CHECKED_FORK];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new FixtureError(`${file} ${name}: post.${CHECKED_FORK} is not a list`);
  return list.map((e, i) => {
    const entry = obj(e, `post[${i}]`);
    const ix = obj(entry["indexes"], `post[${i}].indexes`);
    const index = (k: string): number => {
      const x = ix[k];
      if (x === undefined && k === "transferTokenId") return 0;
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0) throw new FixtureError(`post[${i}].indexes.${k}`);
      return x;
    };
    const hash = entry["hash"];
    if (typeof hash !== "string") throw new FixtureError(`post[${i}].hash`);
    return { d: index("data"), g: index("gas"), v: index("value"), t: index("transferTokenId"), expectedRoot: hash };
  });
}

/** Every test in one JSON file. A test without `env` is skipped, as verify_state_test does. */
export function readStateTestFile(file: string, qkcState: boolean): StateTest[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FixtureError(`${file}: ${(e as Error).message}`);
  }
  const tests: StateTest[] = [];
  for (const [name, value] of Object.entries(obj(json, file))) {
    const t = obj(value, `${file} ${name}`);
    if (t["env"] === undefined) continue;
    tests.push({
      file,
      name,
      qkcState,
      env: readEnv(obj(t["env"], "env")),
      pre: readPre(obj(t["pre"], "pre"), qkcState),
      transaction: readTransaction(obj(t["transaction"], "transaction")),
      entries: readEntries(t["post"], file, name),
    });
  }
  return tests;
}
