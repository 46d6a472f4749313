/**
 * The state of frames in flight. The interpreter does not recurse: CALL and CREATE suspend the running
 * frame and hand a `Request` to the driver (apply.ts), which runs the child on its own stack of entries and
 * resumes the parent with the child's result. 1024 nested calls thus cost no JavaScript stack.
 */
import type { CodeAnalysis } from "./code-analysis.ts";
import { Memory } from "./memory.ts";
import type { Message } from "./message.ts";
import type { Address } from "./world.ts";

const EMPTY = new Uint8Array(0);

/** What a frame, a special or an entry point asks the driver to run next. */
export type Request =
  /** messages.py:_apply_msg(msg, code). */
  | { readonly kind: "msg"; readonly msg: Message; readonly code: Uint8Array }
  /** messages.py:create_contract(msg, recipient, salt); `msg.data` is the init code. */
  | {
      readonly kind: "create";
      readonly msg: Message;
      readonly recipient: Address | undefined;
      readonly salt: Uint8Array | undefined;
    };

/** Why a suspended frame waits: the opcode whose child is running. */
export const enum Pending {
  None = 0,
  Call = 1,
  Create = 2,
}

/** One running activation of vm.py:vm_execute. */
export class Frame {
  readonly analysis: CodeAnalysis;
  readonly stack: bigint[] = STACKS.pop() ?? new Array<bigint>(1024).fill(0n);
  readonly mem: Memory = MEMORIES.pop() ?? new Memory();
  sp = 0;
  pc = 0;
  /** Gas is `gasHi + gas`: `gasHi` is 0n unless the frame holds more than 2^53 (state tests reach 2^63). */
  gas: number;
  gasHi: bigint;
  returnData: Uint8Array = EMPTY;
  pending: Pending = Pending.None;
  /** For a pending CALL: where the child's output goes. */
  outStart = 0;
  outSize = 0;
  /** CALLER's word, made on its first use (an ERC-20 method reads msg.sender more than once). */
  callerWord: bigint | undefined = undefined;
  /**
   * The last CALLDATALOAD's offset and word: call data does not change while its frame runs, and
   * code loads an argument again where it needs it (the token's recipient: for its slot, then for
   * its log).
   */
  dataOff = -1;
  dataWord = 0n;

  constructor(
    readonly msg: Message,
    readonly code: Uint8Array,
    analysis: CodeAnalysis,
  ) {
    this.analysis = analysis;
    // splitGas without its pair: a frame per message.
    const g = msg.gas;
    const fits = g <= 9007199254740991n && g >= -9007199254740991n;
    this.gas = fits ? Number(g) : 0;
    this.gasHi = fits ? 0n : g;
  }
}

/**
 * Stacks and memories of finished frames, reused: a call-heavy transaction would otherwise allocate 8 KB
 * of stack and a memory buffer per call. Frames finish in LIFO order, and nothing keeps a view of a
 * finished frame's memory (outputs, logs and code are copies).
 */
const STACKS: bigint[][] = [];
const MEMORIES: Memory[] = [];
const POOL_MAX = 64;

/** Give a finished frame's stack and memory back (call once, after the frame's last use). */
export function releaseFrame(f: Frame): void {
  if (STACKS.length < POOL_MAX) STACKS.push(f.stack);
  if (MEMORIES.length < POOL_MAX) {
    f.mem.reset();
    MEMORIES.push(f.mem);
  }
}

/** A gas amount as (number part, bigint part), exact: the bigint part is 0n when it fits a double. */
export function splitGas(g: bigint): [number, bigint] {
  return g <= 9007199254740991n && g >= -9007199254740991n ? [Number(g), 0n] : [0, g];
}
