/**
 * The opcode loop (vm.py:vm_execute): one dispatch per opcode, the stack a fixed array of 1024 bigints,
 * gas and pc as numbers (gas with a bigint high part past 2^53, see Frame), memory a growable byte buffer.
 * Every exceptional halt returns FAILED (no gas, no output), as vm.py's vm_exception does; nothing a
 * program does throws. CALL and CREATE do not recurse: they park the frame and return a Request.
 */
import type { Execution } from "./execution.ts";
import {
  CALL_CHILD_LIMIT_DENOM,
  FEE,
  GCALLNEWACCOUNT,
  GCALLVALUETRANSFER,
  GCOPY,
  GEXPONENTBYTE,
  GLOGBYTE,
  GSHA3WORD,
  GSTIPEND,
  GSTORAGEADD,
  GSTORAGEKILL,
  GSTORAGEMOD,
  GSTORAGEREFUND,
  MAX_DEPTH,
  MAX_SP,
  MIN_SP,
} from "./gas.ts";
import { Frame, Pending, splitGas, type Request } from "./frame.ts";
import type { Memory } from "./memory.ts";
import { sha3Word } from "./sha3-word.ts";
import { FAILED, makeMessage, type Message, type MessageResult } from "./message.ts";
import {
  addrFromWord,
  byteLength,
  bytesToBigint,
  sameAddr,
  toSigned,
  TT256,
  TT256M1,
  readWordAt,
  word32,
  wordFromAddr,
  writeWordAt,
} from "./words.ts";
import type { Log } from "./effects.ts";

const EMPTY = new Uint8Array(0);
/** Sizes above this cannot be paid for (copy, hash or log gas alone exceed any frame's gas). */
const HUGE = 0x100000000n;
const CURRENT_MNT_ID = Uint8Array.from(Buffer.from("000000000000000000000000000000514b430001", "hex"));

const DENOM = BigInt(CALL_CHILD_LIMIT_DENOM);
/** x − ⌊x/64⌋ with Python's floor division (x may be negative after CREATE2's unchecked hashing gas). */
function allButOne64th(x: bigint): bigint {
  const q = x / DENOM;
  return x - (x < 0n && q * DENOM !== x ? q - 1n : q);
}

/** Whether `hi + gas` (a frame's gas) is below `cost`. */
function lacks(gas: number, hi: bigint, cost: number): boolean {
  return gas < cost && (hi === 0n || hi + BigInt(gas) < BigInt(cost));
}

/**
 * vm.py:mem_extend: pay for making [start, start+size) addressable and grow; the gas left, or NaN when
 * it cannot be paid.
 */
function payMemory(mem: Memory, start: bigint, size: bigint, gas: number, hi: bigint): number {
  const cost = mem.expansionCost(start, size);
  if (cost === 0) return gas;
  if (cost < 0 || lacks(gas, hi, cost)) return NaN;
  mem.growTo(Number(start + size));
  return gas - cost;
}

/** Copy `src[from..from+size)` into memory at `to`, zeros past the end of `src` (CODECOPY & co). */
function copyIn(mem: Memory, src: Uint8Array, to: bigint, from: bigint, size: bigint): void {
  if (size === 0n) return;
  const t = Number(to);
  const n = Number(size);
  const buf = mem.buf;
  if (from >= BigInt(src.length)) {
    buf.fill(0, t, t + n);
    return;
  }
  const f = Number(from);
  const avail = Math.min(n, src.length - f);
  buf.set(src.subarray(f, f + avail), t);
  if (avail < n) buf.fill(0, t + avail, t + n);
}

/** Words (rounded up) of a byte count below HUGE. */
const words = (size: number): number => Math.ceil(size / 32);

/**
 * vm.py:vm_execute, from where `f` stands until it halts (its result) or asks for a child (a request; the
 * frame is left suspended and `resumeFrame` hands it the child's result).
 */
export function runFrame(ex: Execution, f: Frame): MessageResult | Request {
  const world = ex.world;
  const msg = f.msg;
  const code = f.code;
  const codeLen = code.length;
  const analysis = f.analysis;
  const dests = analysis.dests;
  const stack = f.stack;
  const mem = f.mem;
  let sp = f.sp;
  let pc = f.pc;
  let gas = f.gas;
  let gasHi = f.gasHi;
  let returnData = f.returnData;

  while (pc < codeLen) {
    const op = code[pc]!;
    const fee = FEE[op]!;
    if (fee < 0) return FAILED; // not in opcodes.py's table
    gas -= fee;
    pc++;
    if (gas < 0 && (gasHi === 0n || gasHi + BigInt(gas) < 0n)) return FAILED;
    if (sp < MIN_SP[op]! || sp > MAX_SP[op]!) return FAILED;

    if (op >= 0x60 && op <= 0x7f) {
      // PUSHn: bytes past the end of the code read as zero (preprocess_code pads 32 zeros).
      const n = op - 0x5f;
      stack[sp++] = analysis.pushValue(pc - 1, n);
      pc += n;
      continue;
    }
    if (op >= 0x80 && op <= 0x8f) {
      stack[sp] = stack[sp - (op - 0x7f)]!; // DUPn
      sp++;
      continue;
    }
    if (op >= 0x90 && op <= 0x9f) {
      const j = sp - 2 - (op - 0x90); // SWAPn
      const t = stack[j]!;
      stack[j] = stack[sp - 1]!;
      stack[sp - 1] = t;
      continue;
    }

    switch (op) {
      case 0x00: // STOP
        return { success: true, gasRemaining: gasHi + BigInt(gas), output: EMPTY };
      case 0x01: {
        // A compare instead of a mask: one bigint allocated, not two.
        const r = stack[--sp]! + stack[sp - 1]!;
        stack[sp - 1] = r > TT256M1 ? r - TT256 : r;
        break;
      }
      case 0x02: {
        // The mask only when the product overflows: one bigint for a product that fits, as ADD.
        const r = stack[--sp]! * stack[sp - 1]!;
        stack[sp - 1] = r > TT256M1 ? r & TT256M1 : r;
        break;
      }
      case 0x03: {
        const r = stack[--sp]! - stack[sp - 1]!;
        stack[sp - 1] = r < 0n ? r + TT256 : r;
        break;
      }
      case 0x04: {
        const a = stack[--sp]!;
        const b = stack[sp - 1]!;
        stack[sp - 1] = b === 0n ? 0n : a / b;
        break;
      }
      case 0x05: {
        // SDIV: truncating division of the signed values (vm.py: abs // abs with the sign of the product).
        const a = toSigned(stack[--sp]!);
        const b = toSigned(stack[sp - 1]!);
        stack[sp - 1] = b === 0n ? 0n : (a / b) & TT256M1;
        break;
      }
      case 0x06: {
        const a = stack[--sp]!;
        const b = stack[sp - 1]!;
        stack[sp - 1] = b === 0n ? 0n : a % b;
        break;
      }
      case 0x07: {
        // SMOD: the sign of the dividend (JS % truncates, as vm.py's abs % abs * sign(s0)).
        const a = toSigned(stack[--sp]!);
        const b = toSigned(stack[sp - 1]!);
        stack[sp - 1] = b === 0n ? 0n : (a % b) & TT256M1;
        break;
      }
      case 0x08: {
        const a = stack[--sp]!;
        const b = stack[--sp]!;
        const m = stack[sp - 1]!;
        stack[sp - 1] = m === 0n ? 0n : (a + b) % m;
        break;
      }
      case 0x09: {
        const a = stack[--sp]!;
        const b = stack[--sp]!;
        const m = stack[sp - 1]!;
        stack[sp - 1] = m === 0n ? 0n : (a * b) % m;
        break;
      }
      case 0x0a: {
        const base = stack[--sp]!;
        const exponent = stack[sp - 1]!;
        const cost = byteLength(exponent) * GEXPONENTBYTE;
        if (lacks(gas, gasHi, cost)) return FAILED;
        gas -= cost;
        stack[sp - 1] = modPow(base, exponent);
        break;
      }
      case 0x0b: {
        const s0 = stack[--sp]!;
        const s1 = stack[sp - 1]!;
        if (s0 <= 31n) {
          const bit = 1n << (s0 * 8n + 7n);
          stack[sp - 1] = s1 & bit ? s1 | (TT256 - bit) : s1 & (bit - 1n);
        }
        break;
      }
      case 0x10: {
        const a = stack[--sp]!;
        stack[sp - 1] = a < stack[sp - 1]! ? 1n : 0n;
        break;
      }
      case 0x11: {
        const a = stack[--sp]!;
        stack[sp - 1] = a > stack[sp - 1]! ? 1n : 0n;
        break;
      }
      case 0x12: {
        const a = toSigned(stack[--sp]!);
        stack[sp - 1] = a < toSigned(stack[sp - 1]!) ? 1n : 0n;
        break;
      }
      case 0x13: {
        const a = toSigned(stack[--sp]!);
        stack[sp - 1] = a > toSigned(stack[sp - 1]!) ? 1n : 0n;
        break;
      }
      case 0x14: {
        const a = stack[--sp]!;
        stack[sp - 1] = a === stack[sp - 1]! ? 1n : 0n;
        break;
      }
      case 0x15:
        stack[sp - 1] = stack[sp - 1]! === 0n ? 1n : 0n;
        break;
      case 0x16: {
        const a = stack[--sp]!;
        stack[sp - 1] = a & stack[sp - 1]!;
        break;
      }
      case 0x17: {
        const a = stack[--sp]!;
        stack[sp - 1] = a | stack[sp - 1]!;
        break;
      }
      case 0x18: {
        const a = stack[--sp]!;
        stack[sp - 1] = a ^ stack[sp - 1]!;
        break;
      }
      case 0x19:
        stack[sp - 1] = TT256M1 - stack[sp - 1]!;
        break;
      case 0x1a: {
        const i = stack[--sp]!;
        const x = stack[sp - 1]!;
        stack[sp - 1] = i >= 32n ? 0n : (x >> (8n * (31n - i))) & 0xffn;
        break;
      }
      case 0x1b: {
        const s = stack[--sp]!;
        if (s >= 256n) stack[sp - 1] = 0n;
        else {
          const r = stack[sp - 1]! << s;
          stack[sp - 1] = r > TT256M1 ? r & TT256M1 : r;
        }
        break;
      }
      case 0x1c: {
        const s = stack[--sp]!;
        stack[sp - 1] = s >= 256n ? 0n : stack[sp - 1]! >> s;
        break;
      }
      case 0x1d: {
        const s = stack[--sp]!;
        const x = toSigned(stack[sp - 1]!);
        if (s >= 256n) stack[sp - 1] = x >= 0n ? 0n : TT256M1;
        else stack[sp - 1] = (x >> s) & TT256M1;
        break;
      }
      case 0x20: {
        // SHA3: the word gas first, checked, then memory (vm.py).
        const start = stack[--sp]!;
        const size = stack[sp - 1]!;
        if (size >= HUGE) return FAILED;
        gas -= GSHA3WORD * words(Number(size));
        if (gas < 0 && (gasHi === 0n || gasHi + BigInt(gas) < 0n)) return FAILED;
        gas = payMemory(mem, start, size, gas, gasHi);
        if (gas !== gas) return FAILED;
        const s = size === 0n ? 0 : Number(start);
        stack[sp - 1] = sha3Word(mem.buf, mem.view, s, Number(size));
        break;
      }
      case 0x30:
        stack[sp++] = wordFromAddr(msg.to);
        break;
      case 0x31: {
        // BALANCE: the default chain token only.
        stack[sp - 1] = world.getBalance(addrFromWord(stack[sp - 1]!), ex.block.defaultChainToken);
        break;
      }
      case 0x32:
        stack[sp++] = wordFromAddr(ex.tx.origin);
        break;
      case 0x33:
        stack[sp++] = f.callerWord ??= wordFromAddr(msg.sender);
        break;
      case 0x34:
        stack[sp++] = msg.value;
        break;
      case 0x35: {
        const off = stack[sp - 1]!;
        if (off >= msg.data.length) stack[sp - 1] = 0n;
        else {
          const at = Number(off);
          if (at !== f.dataOff) {
            f.dataWord = dataWord(msg.data, at);
            f.dataOff = at;
          }
          stack[sp - 1] = f.dataWord;
        }
        break;
      }
      case 0x36:
        stack[sp++] = BigInt(msg.data.length);
        break;
      case 0x37:
      case 0x39:
      case 0x3c: {
        // CALLDATACOPY, CODECOPY, EXTCODECOPY: memory first, then the copy gas (vm.py).
        const src = op === 0x37 ? msg.data : op === 0x39 ? code : world.getCode(addrFromWord(stack[--sp]!));
        const mstart = stack[--sp]!;
        const dstart = stack[--sp]!;
        const size = stack[--sp]!;
        gas = payMemory(mem, mstart, size, gas, gasHi);
        if (gas !== gas) return FAILED;
        const copy = GCOPY * words(Number(size));
        if (lacks(gas, gasHi, copy)) return FAILED;
        gas -= copy;
        copyIn(mem, src, mstart, dstart, size);
        break;
      }
      case 0x38:
        stack[sp++] = BigInt(codeLen);
        break;
      case 0x3a:
        stack[sp++] = ex.tx.gasPrice;
        break;
      case 0x3b:
        stack[sp - 1] = BigInt(world.getCode(addrFromWord(stack[sp - 1]!)).length);
        break;
      case 0x3d:
        stack[sp++] = BigInt(returnData.length);
        break;
      case 0x3e: {
        const mstart = stack[--sp]!;
        const dstart = stack[--sp]!;
        const size = stack[--sp]!;
        gas = payMemory(mem, mstart, size, gas, gasHi);
        if (gas !== gas) return FAILED;
        const copy = GCOPY * words(Number(size));
        if (lacks(gas, gasHi, copy)) return FAILED;
        gas -= copy;
        if (dstart + size > returnData.length) return FAILED;
        if (size !== 0n) mem.buf.set(returnData.subarray(Number(dstart), Number(dstart + size)), Number(mstart));
        break;
      }
      case 0x3f: {
        const a = addrFromWord(stack[sp - 1]!);
        stack[sp - 1] = world.accountExists(a) ? bytesToBigint(world.getCodeHash(a)) : 0n;
        break;
      }
      case 0x40: {
        // BLOCKHASH(x) = prev_headers[number − x − 1] when that index is in [0, min(256, len)).
        const n = ex.block.number - stack[sp - 1]! - 1n;
        const hashes = ex.block.prevHashes;
        stack[sp - 1] = n >= 0n && n < BigInt(Math.min(256, hashes.length)) ? bytesToBigint(hashes[Number(n)]!) : 0n;
        break;
      }
      case 0x41:
        stack[sp++] = wordFromAddr(ex.block.coinbase);
        break;
      case 0x42:
        stack[sp++] = ex.block.timestamp;
        break;
      case 0x43:
        stack[sp++] = ex.block.number;
        break;
      case 0x44:
        stack[sp++] = ex.block.difficulty;
        break;
      case 0x45:
        stack[sp++] = ex.block.gasLimit;
        break;
      case 0x50:
        sp--;
        break;
      case 0x51: {
        const off = stack[sp - 1]!;
        gas = payMemory(mem, off, 32n, gas, gasHi);
        if (gas !== gas) return FAILED;
        stack[sp - 1] = readWordAt(mem.view, Number(off));
        break;
      }
      case 0x52: {
        const off = stack[--sp]!;
        const v = stack[--sp]!;
        gas = payMemory(mem, off, 32n, gas, gasHi);
        if (gas !== gas) return FAILED;
        writeWordAt(mem.view, Number(off), v);
        break;
      }
      case 0x53: {
        const off = stack[--sp]!;
        const v = stack[--sp]!;
        gas = payMemory(mem, off, 1n, gas, gasHi);
        if (gas !== gas) return FAILED;
        mem.buf[Number(off)] = Number(v & 0xffn);
        break;
      }
      case 0x54:
        stack[sp - 1] = world.getStorage(msg.to, stack[sp - 1]!);
        break;
      case 0x55: {
        // SSTORE, legacy (vm.py:612-625): no stipend check, no net metering.
        const slot = stack[--sp]!;
        const v = stack[--sp]!;
        if (msg.isStatic) return FAILED;
        let cost: number;
        let refund = 0;
        if (world.getStorage(msg.to, slot) !== 0n) {
          cost = v !== 0n ? GSTORAGEMOD : GSTORAGEKILL;
          if (v === 0n) refund = GSTORAGEREFUND;
        } else cost = v !== 0n ? GSTORAGEADD : GSTORAGEMOD;
        if (lacks(gas, gasHi, cost)) return FAILED;
        gas -= cost;
        ex.effects.refunds += refund;
        world.setStorage(msg.to, slot, v);
        break;
      }
      case 0x56: {
        const dest = stack[--sp]!;
        if (dest >= codeLen || dests[Number(dest)] !== 1) return FAILED;
        pc = Number(dest);
        break;
      }
      case 0x57: {
        const dest = stack[--sp]!;
        const cond = stack[--sp]!;
        if (cond !== 0n) {
          if (dest >= codeLen || dests[Number(dest)] !== 1) return FAILED;
          pc = Number(dest);
        }
        break;
      }
      case 0x58:
        stack[sp++] = BigInt(pc - 1);
        break;
      case 0x59:
        stack[sp++] = BigInt(mem.length);
        break;
      case 0x5a:
        stack[sp++] = gasHi + BigInt(gas);
        break;
      case 0x5b:
        break;
      case 0xa0:
      case 0xa1:
      case 0xa2:
      case 0xa3:
      case 0xa4: {
        const mstart = stack[--sp]!;
        const msz = stack[--sp]!;
        const n = op - 0xa0;
        const topics = topicsOf(stack, sp, n);
        sp -= n;
        if (msz >= HUGE) return FAILED; // no memory can back it
        gas -= Number(msz) * GLOGBYTE; // vm.py:692: unchecked, may go negative
        if (msg.isStatic) return FAILED;
        gas = payMemory(mem, mstart, msz, gas, gasHi);
        if (gas !== gas) return FAILED;
        const s = msz === 0n ? 0 : Number(mstart);
        const log: Log = { address: msg.to, topics, data: mem.buf.slice(s, s + Number(msz)) };
        ex.effects.logs.push(log);
        break;
      }
      case 0xf0:
      case 0xf5: {
        const value = stack[--sp]!;
        const mstart = stack[--sp]!;
        const msz = stack[--sp]!;
        let salt: Uint8Array | undefined;
        if (op === 0xf5) {
          salt = word32(stack[--sp]!);
          if (msz >= HUGE) return FAILED;
          gas -= GSHA3WORD * words(Number(msz)); // vm.py:674: unchecked, may go negative
        }
        gas = payMemory(mem, mstart, msz, gas, gasHi);
        if (gas !== gas) return FAILED;
        if (msg.isStatic) return FAILED;
        if (world.getBalance(msg.to, ex.block.defaultChainToken) < value || msg.depth >= MAX_DEPTH) {
          stack[sp++] = 0n;
          returnData = EMPTY;
          break;
        }
        const total = gasHi + BigInt(gas);
        const ingas = allButOne64th(total);
        [gas, gasHi] = splitGas(total - ingas);
        const s = msz === 0n ? 0 : Number(mstart);
        const child = makeMessage({
          sender: msg.to,
          to: EMPTY,
          value,
          gas: ingas,
          data: mem.buf.subarray(s, s + Number(msz)),
          depth: msg.depth + 1,
          toFullShardKey: msg.toFullShardKey,
          transferTokenId: msg.transferTokenId,
          gasTokenId: msg.gasTokenId,
        });
        save(f, sp, pc, gas, gasHi, returnData, Pending.Create);
        return { kind: "create", msg: child, recipient: undefined, salt };
      }
      case 0xf1:
      case 0xf2:
      case 0xf4:
      case 0xfa: {
        const reqGas = stack[--sp]!;
        const toWord = stack[--sp]!;
        const value = op === 0xf1 || op === 0xf2 ? stack[--sp]! : 0n;
        const inStart = stack[--sp]!;
        const inSize = stack[--sp]!;
        const outStart = stack[--sp]!;
        const outSize = stack[--sp]!;
        if (msg.isStatic && value > 0n && op === 0xf1) return FAILED;
        gas = payMemory(mem, inStart, inSize, gas, gasHi);
        if (gas !== gas) return FAILED;
        gas = payMemory(mem, outStart, outSize, gas, gasHi);
        if (gas !== gas) return FAILED;
        const to = addrFromWord(toWord);
        let extra = 0;
        // vm.py asks account_exists(to) for every CALL, whatever the value: a first read fixes the
        // account's full_shard_key (state.py:get_and_cache_account), so the read itself must happen.
        if (op === 0xf1 && !world.accountExists(to) && value > 0n) extra += GCALLNEWACCOUNT;
        if (value > 0n) extra += GCALLVALUETRANSFER;
        if (lacks(gas, gasHi, extra)) return FAILED;
        const total = gasHi + BigInt(gas - extra);
        const cap = allButOne64th(total);
        const callGas = reqGas < cap ? reqGas : cap;
        const stipend = value > 0n ? GSTIPEND : 0;
        if (world.getBalance(msg.to, ex.block.defaultChainToken) < value || msg.depth >= MAX_DEPTH) {
          // vm.py: the caller pays the extra gas but keeps the child's gas (and gains the stipend).
          gas += stipend - extra;
          stack[sp++] = 0n;
          returnData = EMPTY;
          break;
        }
        [gas, gasHi] = splitGas(total - callGas);
        const s = inSize === 0n ? 0 : Number(inStart);
        const data = mem.buf.subarray(s, s + Number(inSize));
        const child = callMessage(op, msg, to, value, callGas + BigInt(stipend), data);
        // vm.py: a CALL or STATICCALL to current_mnt_id marks this frame as having asked for the token.
        if (sameAddr(child.to, CURRENT_MNT_ID)) msg.tokenIdQueried = true;
        f.outStart = outSize === 0n ? 0 : Number(outStart);
        f.outSize = Number(outSize);
        save(f, sp, pc, gas, gasHi, returnData, Pending.Call);
        return { kind: "msg", msg: child, code: world.getCode(child.codeAddress) };
      }
      case 0xf3:
      case 0xfd: {
        const start = stack[--sp]!;
        const size = stack[--sp]!;
        gas = payMemory(mem, start, size, gas, gasHi);
        if (gas !== gas) return FAILED;
        const s = size === 0n ? 0 : Number(start);
        const output = mem.buf.slice(s, s + Number(size));
        return { success: op === 0xf3, gasRemaining: gasHi + BigInt(gas), output };
      }
      case 0xff: {
        if (msg.isStatic) return FAILED;
        const to = addrFromWord(stack[--sp]!);
        const token = ex.block.defaultChainToken;
        const xfer = world.getBalance(msg.to, token);
        const extra = !world.accountExists(to) && xfer > 0n ? GCALLNEWACCOUNT : 0; // vm.py reads `to` always
        if (lacks(gas, gasHi, extra)) return FAILED;
        gas -= extra;
        // Only the default token moves; the others vanish when the tx layer deletes the account.
        world.setBalance(to, token, world.getBalance(to, token) + xfer);
        world.setBalance(msg.to, token, 0n);
        ex.effects.suicides.push(msg.to);
        return { success: true, gasRemaining: gasHi + BigInt(gas), output: EMPTY };
      }
      default:
        return FAILED; // unreachable: FEE marks every other opcode invalid
    }
  }
  return { success: true, gasRemaining: gasHi + BigInt(gas), output: EMPTY };
}

/** Park a frame whose child is about to run. */
function save(f: Frame, sp: number, pc: number, gas: number, gasHi: bigint, rd: Uint8Array, pending: Pending): void {
  f.sp = sp;
  f.pc = pc;
  f.gas = gas;
  f.gasHi = gasHi;
  f.returnData = rd;
  f.pending = pending;
}

/** The second half of CALL & co or CREATE & CREATE2 (vm.py), once the child has answered. */
export function resumeFrame(f: Frame, res: MessageResult): void {
  const out = res.output;
  if (f.pending === Pending.Create) {
    if (res.success) {
      f.stack[f.sp++] = wordFromAddr(out);
      f.returnData = EMPTY;
    } else {
      f.stack[f.sp++] = 0n;
      f.returnData = out;
    }
  } else {
    f.stack[f.sp++] = res.success ? 1n : 0n;
    const n = Math.min(out.length, f.outSize);
    if (n > 0) f.mem.buf.set(n === out.length ? out : out.subarray(0, n), f.outStart);
    f.returnData = out;
  }
  f.pending = Pending.None;
  [f.gas, f.gasHi] = splitGas(f.gasHi + BigInt(f.gas) + res.gasRemaining);
}

/** The child message of CALL, CALLCODE, DELEGATECALL and STATICCALL (vm.py). */
function callMessage(op: number, msg: Message, to: Uint8Array, value: bigint, gas: bigint, data: Uint8Array): Message {
  const depth = msg.depth + 1;
  const fsk = msg.toFullShardKey;
  const transfer = msg.transferTokenId;
  const gasToken = msg.gasTokenId;
  switch (op) {
    case 0xf1:
      return frameMessage(msg.to, to, value, gas, data, depth, to, true, msg.isStatic, fsk, transfer, gasToken);
    case 0xf4:
      return frameMessage(
        msg.sender,
        msg.to,
        msg.value,
        gas,
        data,
        depth,
        to,
        false,
        msg.isStatic,
        fsk,
        transfer,
        gasToken,
      );
    case 0xfa:
      return frameMessage(msg.to, to, value, gas, data, depth, to, true, true, fsk, transfer, gasToken);
    default: // 0xf2 CALLCODE
      return frameMessage(msg.to, msg.to, value, gas, data, depth, to, true, msg.isStatic, fsk, transfer, gasToken);
  }
}

/** A Message literal, with one shape for every call (no spread, no defaults to resolve). */
function frameMessage(
  sender: Uint8Array,
  to: Uint8Array,
  value: bigint,
  gas: bigint,
  data: Uint8Array,
  depth: number,
  codeAddress: Uint8Array,
  transfersValue: boolean,
  isStatic: boolean,
  toFullShardKey: number | undefined,
  transferTokenId: bigint,
  gasTokenId: bigint,
): Message {
  return {
    sender,
    to,
    value,
    gas,
    data,
    depth,
    codeAddress,
    isCreate: false,
    transfersValue,
    isStatic,
    toFullShardKey,
    transferTokenId,
    gasTokenId,
    tokenIdQueried: false,
  };
}

/**
 * LOGn's topics, the top of the stack first: an array literal of their own length (pushes onto []
 * grow it to 17 slots).
 */
function topicsOf(stack: bigint[], sp: number, n: number): bigint[] {
  switch (n) {
    case 0:
      return [];
    case 1:
      return [stack[sp - 1]!];
    case 2:
      return [stack[sp - 1]!, stack[sp - 2]!];
    case 3:
      return [stack[sp - 1]!, stack[sp - 2]!, stack[sp - 3]!];
    default:
      return [stack[sp - 1]!, stack[sp - 2]!, stack[sp - 3]!, stack[sp - 4]!];
  }
}

/** Call data word at `off` (< length), zero-padded (CallData.extract32). */
function dataWord(data: Uint8Array, off: number): bigint {
  if (off + 32 <= data.length) return bytesToBigint(data, off, off + 32);
  const w = new Uint8Array(32);
  w.set(data.subarray(off));
  return bytesToBigint(w);
}

/** base^exponent mod 2^256 by squaring. */
function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) & TT256M1;
    e >>= 1n;
    if (e > 0n) b = (b * b) & TT256M1;
  }
  return result;
}
