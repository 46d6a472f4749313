/**
 * Gas constants and the per-opcode table of pyquarkchain's evm/opcodes.py (Petersburg: no CHAINID,
 * SELFBALANCE, PUSH0 or INVALID; SSTORE legacy).
 */
export const GMEMORY = 3;
export const GQUADRATICMEMDENOM = 512;
export const GEXPONENTBYTE = 50;
export const GCOPY = 3;
export const GCONTRACTBYTE = 200;
export const GCALLVALUETRANSFER = 9000;
export const GLOGBYTE = 8;
export const GSHA3WORD = 6;
export const GSTIPEND = 2300;
export const GCALLNEWACCOUNT = 25000;
export const GSUICIDEREFUND = 24000;
export const GSTORAGEREFUND = 15000;
export const GSTORAGEKILL = 5000;
export const GSTORAGEMOD = 5000;
export const GSTORAGEADD = 20000;
export const CALL_CHILD_LIMIT_DENOM = 64;
export const MAX_DEPTH = 1024;
/** EIP-170 (messages.py:create_contract). */
export const MAX_CODE_SIZE = 24576;

/** Base fee by opcode; -1: not in opcodes.py's table (the frame fails with all its gas). */
export const FEE = new Int32Array(256).fill(-1);
/** Stack items taken and pushed, by opcode. */
export const STACK_IN = new Uint8Array(256);
export const STACK_OUT = new Uint8Array(256);
/**
 * The stack depths an opcode may start at, from its items taken and pushed (vm.py's two checks in one
 * compare each): at least STACK_IN, and at most 1024 + STACK_IN - STACK_OUT so the result fits in 1024.
 */
export const MIN_SP = new Uint8Array(256);
export const MAX_SP = new Uint16Array(256);

function op(code: number, fee: number, ins: number, outs: number): void {
  FEE[code] = fee;
  STACK_IN[code] = ins;
  STACK_OUT[code] = outs;
  MIN_SP[code] = ins;
  MAX_SP[code] = 1024 + ins - outs;
}

// opcodes.py:opcodes
op(0x00, 0, 0, 0); // STOP
for (const c of [0x01, 0x03]) op(c, 3, 2, 1); // ADD SUB
for (const c of [0x02, 0x04, 0x05, 0x06, 0x07, 0x0b]) op(c, 5, 2, 1); // MUL DIV SDIV MOD SMOD SIGNEXTEND
op(0x08, 8, 3, 1); // ADDMOD
op(0x09, 8, 3, 1); // MULMOD
op(0x0a, 10, 2, 1); // EXP
for (let c = 0x10; c <= 0x1d; c++) op(c, 3, c === 0x15 || c === 0x19 ? 1 : 2, 1); // LT..SAR (ISZERO, NOT take 1)
op(0x20, 30, 2, 1); // SHA3
op(0x30, 2, 0, 1); // ADDRESS
op(0x31, 400, 1, 1); // BALANCE
for (const c of [0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x3d]) op(c, 2, 0, 1); // ORIGIN CALLER CALLVALUE CALLDATASIZE CODESIZE GASPRICE RETURNDATASIZE
op(0x35, 3, 1, 1); // CALLDATALOAD
op(0x37, 3, 3, 0); // CALLDATACOPY
op(0x39, 3, 3, 0); // CODECOPY
op(0x3b, 700, 1, 1); // EXTCODESIZE
op(0x3c, 700, 4, 0); // EXTCODECOPY
op(0x3e, 3, 3, 0); // RETURNDATACOPY
op(0x3f, 400, 1, 1); // EXTCODEHASH
op(0x40, 20, 1, 1); // BLOCKHASH
for (let c = 0x41; c <= 0x45; c++) op(c, 2, 0, 1); // COINBASE TIMESTAMP NUMBER DIFFICULTY GASLIMIT
op(0x50, 2, 1, 0); // POP
op(0x51, 3, 1, 1); // MLOAD
op(0x52, 3, 2, 0); // MSTORE
op(0x53, 3, 2, 0); // MSTORE8
op(0x54, 200, 1, 1); // SLOAD
op(0x55, 0, 2, 0); // SSTORE: charged by the op
op(0x56, 8, 1, 0); // JUMP
op(0x57, 10, 2, 0); // JUMPI
for (const c of [0x58, 0x59, 0x5a]) op(c, 2, 0, 1); // PC MSIZE GAS
op(0x5b, 1, 0, 0); // JUMPDEST
for (let i = 1; i <= 32; i++) op(0x5f + i, 3, 0, 1); // PUSHn
for (let i = 1; i <= 16; i++) {
  op(0x7f + i, 3, i, i + 1); // DUPn
  op(0x8f + i, 3, i + 1, i + 1); // SWAPn
}
for (let i = 0; i <= 4; i++) op(0xa0 + i, 375 * (i + 1), i + 2, 0); // LOGn
op(0xf0, 32000, 3, 1); // CREATE
op(0xf1, 700, 7, 1); // CALL
op(0xf2, 700, 7, 1); // CALLCODE
op(0xf3, 0, 2, 0); // RETURN
op(0xf4, 700, 6, 1); // DELEGATECALL
op(0xf5, 32000, 4, 1); // CREATE2
op(0xfa, 700, 6, 1); // STATICCALL
op(0xfd, 0, 2, 0); // REVERT
op(0xff, 5000, 1, 0); // SUICIDE
