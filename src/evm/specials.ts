/**
 * What runs at a special address instead of code (specials.py): Ethereum's precompiles 0x1–0x8 (computed
 * by src/evm/precompiles/, adapted here) and QuarkChain's five at 0x…514b4300NN, each active only when the
 * block timestamp is strictly greater than its enable timestamp (messages.py:_apply_msg).
 */
import type { Execution } from "./execution.ts";
import type { Request } from "./frame.ts";
import { GCALLNEWACCOUNT, GCALLVALUETRANSFER, GSTIPEND, MAX_DEPTH } from "./gas.ts";
import { FAILED, makeMessage, type Message, type MessageResult } from "./message.ts";
import { precompiles } from "./precompile-table.ts";
import { SYSTEM_CONTRACTS } from "./system-contracts.ts";
import { addrFromWord, bytesToBigint, sameAddr, word32 } from "./words.ts";

/** A special answers at once, or names the message or create whose result is its own (a tail call). */
export type Special = (ex: Execution, msg: Message) => MessageResult | Request;

/** quarkchain/utils.py: "ZZZZZZZZZZZZ". */
export const TOKEN_ID_MAX = 4873763662273663091n;

/** Input word at `off`, zero-padded past the end (vm.py:CallData.extract32). */
function inputWord(data: Uint8Array, off: number): bigint {
  if (off >= data.length) return 0n;
  if (off + 32 <= data.length) return bytesToBigint(data, off, off + 32);
  const w = new Uint8Array(32);
  w.set(data.subarray(off));
  return bytesToBigint(w);
}

const ok = (gasRemaining: bigint, output: Uint8Array): MessageResult => ({ success: true, gasRemaining, output });
const EMPTY = new Uint8Array(0);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const ONE_WORD = word32(1n);

/** The special at `addr`, if it is one and switched on at this block's timestamp. */
export function specialFor(ex: Execution, addr: Uint8Array): Special | undefined {
  for (let i = 0; i < 15; i++) if (addr[i] !== 0) return undefined;
  const last = addr[19]!;
  if (addr[15] === 0 && addr[16] === 0 && addr[17] === 0 && addr[18] === 0) {
    // 0x1–0x8: enable timestamp 0, so off in a state at timestamp 0 (get_root_chain_stakes).
    if (last < 1 || last > 8 || !(ex.block.timestamp > 0n)) return undefined;
    const p = precompiles.get(last);
    return p === undefined ? undefined : adapt(p);
  }
  if (addr[15] !== 0x51 || addr[16] !== 0x4b || addr[17] !== 0x43 || addr[18] !== 0) return undefined;
  if (last < 1 || last > 5) return undefined;
  if (!(ex.block.timestamp > ex.block.schedule.specials[last - 1]!)) return undefined;
  return QKC_SPECIALS[last - 1];
}

const adapted = new WeakMap<object, Special>();
function adapt(p: (input: Uint8Array, gas: number) => { gasUsed: number; output: Uint8Array } | undefined): Special {
  let s = adapted.get(p);
  if (s === undefined) {
    s = (_ex, msg) => {
      // A precompile counts in numbers; more than 2^53 gas is as good as 2^53 to any of them.
      const r = p(msg.data, msg.gas > MAX_SAFE ? Number(MAX_SAFE) : Number(msg.gas));
      if (r === undefined) return FAILED;
      // The input is a view of the caller's memory: never hand it back as the output.
      const out = r.output.buffer === msg.data.buffer ? r.output.slice() : r.output;
      return ok(msg.gas - BigInt(r.gasUsed), out);
    };
    adapted.set(p, s);
  }
  return s;
}

/** specials.py:proc_current_mnt_id. */
function currentMntId(_ex: Execution, msg: Message): MessageResult {
  msg.tokenIdQueried = true;
  if (msg.gas < 3n) return FAILED;
  return ok(msg.gas - 3n, word32(msg.transferTokenId));
}

const TRANSFER_MNT = Uint8Array.from(Buffer.from("000000000000000000000000000000514b430002", "hex"));

/** specials.py:proc_transfer_mnt: input (to, token id, value, data...). */
function transferMnt(ex: Execution, msg: Message): MessageResult | Request {
  const data = msg.data;
  if (data.length < 96 || msg.isStatic) return FAILED;
  const to = addrFromWord(inputWord(data, 0));
  const tokenId = inputWord(data, 32);
  const value = inputWord(data, 64);
  if (tokenId > TOKEN_ID_MAX) return FAILED;
  if (sameAddr(to, TRANSFER_MNT)) return FAILED;
  let cost = 0n;
  if (value > 0n) {
    cost += BigInt(GCALLVALUETRANSFER);
    if (!ex.world.accountExists(to)) cost += BigInt(GCALLNEWACCOUNT);
  }
  if (msg.gas < cost) return FAILED;
  // A failure that keeps the gas: _apply_msg reverts this frame.
  if (ex.world.getBalance(msg.sender, tokenId) < value || msg.depth >= MAX_DEPTH)
    return { success: false, gasRemaining: msg.gas - cost, output: EMPTY };
  const child = makeMessage({
    sender: msg.sender,
    to,
    value,
    gas: msg.gas - cost + (value > 0n ? BigInt(GSTIPEND) : 0n),
    data: data.slice(96),
    depth: msg.depth + 1,
    codeAddress: to,
    isStatic: false,
    toFullShardKey: undefined, // specials.py builds this Message without a full_shard_key
    transferTokenId: tokenId,
    gasTokenId: msg.gasTokenId,
  });
  return { kind: "msg", msg: child, code: ex.world.getCode(to) };
}

/** specials.py:proc_deploy_system_contract: input word = contract index (0 means 1). */
function deploySystemContract(ex: Execution, msg: Message): MessageResult | Request {
  if (msg.gas < 3n) return FAILED;
  const word = inputWord(msg.data, 0);
  const index = word === 0n ? 1n : word;
  if (index < 1n || index > 3n) return FAILED;
  const contract = SYSTEM_CONTRACTS[Number(index) - 1]!;
  if (contract.chain0Only && ex.tx.chainId !== 0) return FAILED;
  // Non-strict and the other way round from the special gate.
  if (ex.block.timestamp < ex.block.schedule.systemContracts[contract.index - 1]!) return FAILED;
  const create = makeMessage({
    sender: msg.to,
    to: EMPTY,
    value: 0n,
    gas: msg.gas - 3n,
    data: contract.initCode,
    depth: msg.depth + 1,
    toFullShardKey: msg.toFullShardKey,
    transferTokenId: msg.transferTokenId,
    gasTokenId: msg.gasTokenId,
  });
  return { kind: "create", msg: create, recipient: contract.address, salt: undefined };
}

/** specials.py:proc_mint_mnt: input (minter, token id, amount); only the NON_RESERVED contract, chain 0. */
function mintMnt(ex: Execution, msg: Message): MessageResult {
  const minter = addrFromWord(inputWord(msg.data, 0));
  const tokenId = inputWord(msg.data, 32);
  const amount = inputWord(msg.data, 64);
  if (amount === 0n) return FAILED;
  let cost = BigInt(GCALLVALUETRANSFER);
  if (!ex.world.accountExists(minter)) cost += BigInt(GCALLNEWACCOUNT);
  if (msg.gas < cost) return FAILED;
  if (tokenId > TOKEN_ID_MAX) return FAILED;
  if (ex.tx.chainId !== 0) return FAILED;
  if (tokenId === ex.block.defaultChainToken) return FAILED;
  if (!sameAddr(SYSTEM_CONTRACTS[1].address, msg.sender)) return FAILED;
  ex.world.addBalance(minter, tokenId, amount);
  return ok(msg.gas - cost, ONE_WORD.slice());
}

/** specials.py:proc_balance_mnt: input (address, token id). */
function balanceMnt(ex: Execution, msg: Message): MessageResult {
  const addr = addrFromWord(inputWord(msg.data, 0));
  const tokenId = inputWord(msg.data, 32);
  if (msg.gas < 400n) return FAILED;
  if (tokenId > TOKEN_ID_MAX) return FAILED;
  return ok(msg.gas - 400n, word32(ex.world.getBalance(addr, tokenId)));
}

const QKC_SPECIALS: readonly Special[] = [currentMntId, transferMnt, deploySystemContract, mintMnt, balanceMnt];
