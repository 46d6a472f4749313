/**
 * The frame-level verbs of pyquarkchain's messages.py: apply_msg / _apply_msg (snapshot, value transfer in
 * the frame's transfer token, precompile or special or code, the non-default-token rule, revert on
 * failure) and create_contract (token gate, nonce, address, collision, code deposit). The tx layer calls
 * `applyMessage` and `createContract`; CALL/CREATE and the specials recurse through them.
 */
import { keccak256 } from "../crypto/keccak.ts";
import { mkContractAddress, mkContractAddress2 } from "./address.ts";
import type { Execution } from "./execution.ts";
import { GCONTRACTBYTE, MAX_CODE_SIZE } from "./gas.ts";
import { vmExecute } from "./interpreter.ts";
import type { Message, MessageResult } from "./message.ts";
import { specialFor } from "./specials.ts";
import { addrKey, sameAddr } from "./words.ts";
import type { Address } from "./world.ts";

const EMPTY = new Uint8Array(0);

/** The failure every exceptional halt returns: no gas left, no output (vm.py:vm_exception). */
export const FAILED: MessageResult = Object.freeze({ success: false, gasRemaining: 0, output: EMPTY });

/** messages.py:apply_msg: run `msg` against the code at its code address. */
export function applyMessage(ex: Execution, msg: Message): MessageResult {
  return applyMessageWithCode(ex, msg, ex.world.getCode(msg.codeAddress));
}

/**
 * messages.py:transfer_failure_by_posw_balance_check: a sender in the PoSW disallow map may not let its
 * default-token balance drop below the locked amount (also checked by the tx layer's cross-shard path).
 */
export function transferFailureByPoswBalanceCheck(ex: Execution, msg: Message): boolean {
  const map = ex.block.senderDisallowMap;
  if (map.size === 0) return false;
  const locked = map.get(addrKey(msg.sender));
  return locked !== undefined && msg.value + locked > ex.world.getBalance(msg.sender, ex.block.defaultChainToken);
}

/** messages.py:_apply_msg. */
export function applyMessageWithCode(ex: Execution, msg: Message, code: Uint8Array): MessageResult {
  if (transferFailureByPoswBalanceCheck(ex, msg)) return FAILED;

  const snap = ex.snapshot();
  if (msg.transfersValue && !transferValue(ex, msg.sender, msg.to, msg.transferTokenId, msg.value)) return FAILED;

  // messages.py:674: a special runs only when block_timestamp > its enable timestamp (strict).
  const special = specialFor(ex, msg.codeAddress);
  let res = special !== undefined ? special(ex, msg) : vmExecute(ex, msg, code);

  // messages.py:687: value in a non-default token into code that never asked which token came fails.
  if (
    res.success &&
    code.length !== 0 &&
    msg.transferTokenId !== ex.block.defaultChainToken &&
    !msg.tokenIdQueried &&
    msg.value !== 0n
  ) {
    res = { success: false, gasRemaining: res.gasRemaining, output: res.output };
  }
  if (!res.success) ex.revert(snap);
  return res;
}

/** State.transfer_value: both sides touched even for a zero value. */
function transferValue(ex: Execution, from: Address, to: Address, tokenId: bigint, value: bigint): boolean {
  const w = ex.world;
  if (w.getBalance(from, tokenId) < value) return false;
  w.addBalance(from, tokenId, -value);
  w.addBalance(to, tokenId, value);
  return true;
}

/**
 * messages.py:create_contract. `msg.data` is the init code; `msg.to` is overwritten with the new address.
 * `recipient` fixes the address (cross-shard deposits, system contracts); `salt` (32 bytes) makes it CREATE2.
 * On success the output is the 20-byte address.
 */
export function createContract(ex: Execution, msg: Message, recipient?: Address, salt?: Uint8Array): MessageResult {
  const w = ex.world;
  // A non-default transfer token cannot create, and keeps all its gas.
  if (msg.transferTokenId !== ex.block.defaultChainToken)
    return { success: false, gasRemaining: msg.gas, output: EMPTY };

  const code = msg.data;
  if (!sameAddr(ex.tx.origin, msg.sender)) w.setNonce(msg.sender, w.getNonce(msg.sender) + 1n);

  if (recipient !== undefined) msg.to = recipient;
  else if (salt !== undefined) msg.to = mkContractAddress2(msg.sender, salt, keccak256(code));
  else msg.to = mkContractAddress(msg.sender, w.getNonce(msg.sender) - 1n, msg.toFullShardKey);
  const to = msg.to;

  // EIP-684: onto an address with a nonce or code, fail with all gas consumed.
  if (w.getNonce(to) !== 0n || w.getCode(to).length !== 0) return FAILED;
  if (w.accountExists(to)) {
    w.setNonce(to, 0n);
    w.setCode(to, EMPTY);
    w.resetStorage(to);
  }

  msg.isCreate = true;
  msg.data = EMPTY;
  const snap = ex.snapshot();
  w.setNonce(to, 1n);
  w.resetStorage(to);
  const res = applyMessageWithCode(ex, msg, code);
  if (!res.success) {
    ex.revert(snap);
    return res;
  }
  const out = res.output;
  if (out.length === 0) return { success: true, gasRemaining: res.gasRemaining, output: to };
  const cost = out.length * GCONTRACTBYTE;
  if (res.gasRemaining < cost || out.length > MAX_CODE_SIZE) {
    ex.revert(snap);
    return FAILED;
  }
  w.setCode(to, out.slice());
  return { success: true, gasRemaining: res.gasRemaining - cost, output: to };
}
