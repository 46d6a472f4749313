/**
 * The interpreter's own quick check over GeneralStateTests (ConstantinopleFix entries), on the test
 * FakeWorld with Ethereum's account layout (new_statetest_utils.py, mock accounts). Not the judge: the tx
 * layer's runner is. Usage: tsx scripts/evm-fake-statetests.ts <file or dir>... [--verbose]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../src/crypto/keccak.ts";
import { hex } from "../src/codec/bytes.ts";
import { rlpEncode } from "../src/tx/rlp.ts";
import { SecureTrie, TrieNodeDb } from "../src/backend/state/trie/index.ts";
import { applyMessage, createContract } from "../src/evm/apply.ts";
import { Execution } from "../src/evm/execution.ts";
import { forkSchedule, type BlockEnv } from "../src/evm/env.ts";
import { makeMessage } from "../src/evm/message.ts";
import { GSUICIDEREFUND } from "../src/evm/gas.ts";
import { FakeWorld, QKC } from "../harness/fake-world.ts";

const big = (s: string | undefined): bigint => (s === undefined || s === "" || s === "0x" ? 0n : BigInt(s));
const bin = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/^0x/, ""), "hex"));
const intBytes = (n: bigint): Uint8Array => {
  if (n === 0n) return new Uint8Array(0);
  let h = n.toString(16);
  if (h.length & 1) h = "0" + h;
  return bin(h);
};
const word = (n: bigint): Uint8Array => bin(n.toString(16).padStart(64, "0"));

interface Account {
  nonce: string;
  balance?: string;
  balances?: Record<string, string>;
  code: string;
  storage: Record<string, string>;
}
type Indexes = { data: number; gas: number; value: number; transferTokenId?: number };
interface StateTest {
  env: Record<string, string>;
  pre: Record<string, Account>;
  transaction: {
    data: string[];
    gasLimit: string[];
    gasPrice: string;
    nonce: string;
    secretKey: string;
    to: string;
    value: string[];
    transferTokenId?: string[];
  };
  post: Record<string, { hash: string; indexes: Indexes }[]>;
}

/** state.py:TokenBalances.serialize (list form; the tests hold fewer than 17 tokens). */
function tokenBalances(b: Map<bigint, bigint>): Uint8Array {
  const pairs = [...b].filter(([, v]) => v > 0n).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
  if (b.size === 0) return new Uint8Array(0);
  const list = rlpEncode(pairs.map(([k, v]) => [intBytes(k), intBytes(v)]));
  const out = new Uint8Array(list.length + 1);
  out.set(list, 1);
  return out;
}

function stateRoot(w: FakeWorld, inTrie: Set<string>, qkc: boolean): string {
  const db = TrieNodeDb.memory();
  const trie = new SecureTrie(db);
  for (const k of inTrie) {
    const a = w.accounts.get(k)!;
    const st = new SecureTrie(db);
    for (const [slot, v] of a.storage) if (v !== 0n) st.put(word(slot), rlpEncode(intBytes(v)));
    const acct = qkc
      ? rlpEncode([
          intBytes(a.nonce),
          tokenBalances(a.balances),
          st.root(),
          keccak256(a.code),
          new Uint8Array(4),
          new Uint8Array(0),
        ])
      : rlpEncode([intBytes(a.nonce), intBytes(a.balances.get(QKC) ?? 0n), st.root(), keccak256(a.code)]);
    trie.put(bin(k), acct);
  }
  return hex(trie.root());
}

function commit(w: FakeWorld, inTrie: Set<string>): void {
  for (const [k, a] of w.accounts) {
    if (!a.touched && !a.deleted) continue;
    if (w.accountExists(bin(k))) inTrie.add(k);
    else inTrie.delete(k);
    a.touched = false;
    a.deleted = false;
  }
}

function intrinsic(data: Uint8Array, create: boolean): bigint {
  let g = 21000n + (create ? 32000n : 0n);
  for (const b of data) g += b === 0 ? 4n : 68n;
  return g;
}

/** One entry: returns the computed root. */
function runEntry(test: StateTest, idx: Indexes, qkc: boolean): string {
  const w = new FakeWorld();
  w.mockAccounts = !qkc;
  const inTrie = new Set<string>();
  for (const [a, acc] of Object.entries(test.pre)) {
    const k = a.replace(/^0x/, "").toLowerCase();
    const x = w.account(bin(k));
    x.nonce = big(acc.nonce);
    const pre = acc.balances ?? { [QKC.toString()]: acc.balance ?? "0" };
    for (const [t, v] of Object.entries(pre)) if (big(v) !== 0n) x.balances.set(big(t), big(v));
    x.code = bin(acc.code);
    for (const [s, v] of Object.entries(acc.storage)) x.storage.set(big(s), big(v));
    inTrie.add(k);
  }
  const env = test.env;
  const number = big(env.currentNumber);
  const prevHashes: Uint8Array[] = [];
  for (let i = number - 1n; i > -1n && i > number - 257n; i--) prevHashes.push(keccak256(Buffer.from(i.toString())));
  const specials: [bigint, bigint, bigint, bigint, bigint] = [0n, 0n, 0n, 99999999999999999999n, 99999999999999999999n];
  const overrides = (
    env as unknown as { overrides?: { specialContractTimestamp?: { address: string; timestamp: number }[] } }
  ).overrides?.specialContractTimestamp;
  for (const o of overrides ?? []) specials[parseInt(o.address.slice(-2), 16) - 1] = BigInt(o.timestamp);
  const block: BlockEnv = {
    coinbase: bin(env.currentCoinbase!),
    timestamp: big(env.currentTimestamp),
    number,
    difficulty: big(env.currentDifficulty),
    gasLimit: big(env.currentGasLimit),
    prevHashes,
    defaultChainToken: QKC,
    senderDisallowMap: new Map(),
    schedule: {
      ...forkSchedule({
        enableEvmTimestamp: null,
        enableNonReservedNativeTokenTimestamp: null,
        enableGeneralNativeTokenTimestamp: null,
      }),
      specials,
    },
  };
  const tx = test.transaction;
  const sender = keccak256(secp256k1.getPublicKey(bin(tx.secretKey), false).subarray(1)).slice(12);
  const to = bin(tx.to);
  const data = bin(tx.data[idx.data]!);
  const startgas = big(tx.gasLimit[idx.gas]);
  const value = big(tx.value[idx.value]);
  const gasprice = big(tx.gasPrice);
  const nonce = big(tx.nonce);
  const token = tx.transferTokenId === undefined ? QKC : big(tx.transferTokenId[idx.transferTokenId ?? 0]);
  const create = to.length === 0;
  const intr = intrinsic(data, create);
  const valid =
    gasprice < 1n << 256n &&
    startgas < 1n << 256n &&
    value < 1n << 256n &&
    nonce < 1n << 256n &&
    startgas <= (1n << 128n) - 1n &&
    gasprice <= (1n << 128n) - 1n &&
    w.getNonce(sender) === nonce &&
    startgas >= intr &&
    (token === QKC
      ? w.getBalance(sender, QKC) >= value + gasprice * startgas
      : w.getBalance(sender, QKC) >= gasprice * startgas &&
        w.getBalance(sender, token) >= value &&
        w.getBalance(sender, token) > 0n) &&
    startgas <= block.gasLimit;
  if (valid) {
    const ex = new Execution(w, block, { origin: sender, gasPrice: gasprice, chainId: 0 });
    w.setNonce(sender, nonce + 1n);
    w.addBalance(sender, QKC, -(startgas * gasprice));
    const msg = makeMessage({
      sender,
      to,
      value,
      gas: startgas - intr,
      data,
      toFullShardKey: qkc ? 0 : undefined,
      transferTokenId: token,
      gasTokenId: QKC,
    });
    const res = create ? createContract(ex, msg) : applyMessage(ex, msg);
    if (res.gasRemaining < 0n) throw new Error("negative gas remaining");
    let remained = res.gasRemaining;
    let used = startgas - remained;
    if (res.success) {
      const refunds = BigInt(ex.effects.refunds + ex.effects.distinctSuicides().length * GSUICIDEREFUND);
      const r = refunds < used / 2n ? refunds : used / 2n;
      remained += r;
      used -= r;
    }
    w.addBalance(sender, QKC, gasprice * remained);
    w.addBalance(block.coinbase, QKC, gasprice * used);
    for (const s of ex.effects.suicides) w.deleteAccount(s);
  }
  w.addBalance(block.coinbase, QKC, 0n);
  commit(w, inTrie);
  if (process.env.EVM_DUMP) {
    for (const k of inTrie) {
      const a = w.accounts.get(k)!;
      console.log(
        k,
        a.nonce,
        [...a.balances].map(([t, v]) => `${t}:${v}`).join(","),
        [...a.storage].map(([t, v]) => `${t.toString(16)}=${v.toString(16)}`).join(","),
        hex(a.code).slice(0, 20),
      );
    }
  }
  return stateRoot(w, inTrie, qkc);
}

function files(p: string): string[] {
  if (statSync(p).isDirectory())
    return readdirSync(p)
      .sort()
      .flatMap((f) => files(join(p, f)));
  return p.endsWith(".json") ? [p] : [];
}

const verbose = process.argv.includes("--verbose");
let pass = 0;
let fail = 0;
let errors = 0;
const t0 = Date.now();
for (const f of process.argv
  .slice(2)
  .filter((a) => !a.startsWith("--"))
  .flatMap(files)) {
  if (f.endsWith("RevertInCreateInInit.json")) continue;
  const json = JSON.parse(readFileSync(f, "utf8")) as Record<string, StateTest>;
  for (const [name, test] of Object.entries(json)) {
    for (const entry of test.post.ConstantinopleFix ?? []) {
      if (process.env.EVM_ONLY && JSON.stringify(entry.indexes) !== process.env.EVM_ONLY) continue;
      let got: string;
      try {
        got = runEntry(test, entry.indexes, f.includes("QuarkChainStateTests"));
      } catch (e) {
        errors++;
        console.log(`ERROR ${f} ${name} ${JSON.stringify(entry.indexes)}: ${(e as Error).stack}`);
        continue;
      }
      if (got === entry.hash.replace(/^0x/, "")) pass++;
      else {
        fail++;
        console.log(`FAIL ${f} ${name} ${JSON.stringify(entry.indexes)}`);
      }
    }
  }
  if (verbose) console.log(`${f}: ${pass} pass ${fail} fail`);
}
console.log(`pass ${pass} fail ${fail} error ${errors} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
