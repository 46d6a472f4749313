/**
 * The token of workload (b): an ERC20-style contract, hand-assembled so the bench needs no
 * compiler. Its one method, transfer(address,uint256) (selector a9059cbb), does what a
 * Solidity ERC20's does on the EVM: balances in a mapping at slot 0 (keccak(holder . 0)),
 * two SLOADs and two SSTOREs, a Transfer log, returns true; it reverts on a short balance.
 */
import { keccak256 } from "../../src/crypto/keccak.ts";

type Item = number | string | { label: string } | { push: string };

const OP: Record<string, number> = {
  STOP: 0x00,
  ADD: 0x01,
  SUB: 0x03,
  LT: 0x10,
  EQ: 0x14,
  SHR: 0x1c,
  SHA3: 0x20,
  CALLER: 0x33,
  CALLDATALOAD: 0x35,
  MSTORE: 0x52,
  SLOAD: 0x54,
  SSTORE: 0x55,
  JUMPI: 0x57,
  JUMPDEST: 0x5b,
  DUP1: 0x80,
  DUP2: 0x81,
  DUP3: 0x82,
  SWAP1: 0x90,
  LOG3: 0xa3,
  RETURN: 0xf3,
  REVERT: 0xfd,
};

/** Opcodes by name, PUSHn of hex literals, and labels; a PUSH1 to a label is `{ push: "label" }`. */
function assemble(items: Item[]): Uint8Array {
  const out: number[] = [];
  const labels = new Map<string, number>();
  const fixups: Array<[number, string]> = [];
  for (const it of items) {
    if (typeof it === "number")
      out.push(0x60, it); // PUSH1 n
    else if (typeof it === "string" && it.startsWith("0x")) {
      const bytes = Buffer.from(it.slice(2), "hex");
      out.push(0x5f + bytes.length, ...bytes);
    } else if (typeof it === "string") out.push(OP[it]!);
    else if ("label" in it) {
      labels.set(it.label, out.length);
      out.push(OP["JUMPDEST"]!);
    } else {
      fixups.push([out.length + 1, it.push]);
      out.push(0x60, 0);
    }
  }
  for (const [at, label] of fixups) out[at] = labels.get(label)!;
  return Uint8Array.from(out);
}

const TRANSFER_TOPIC =
  "0x" + Buffer.from(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)"))).toString("hex");

export const TOKEN_CODE = assemble([
  0,
  "CALLDATALOAD",
  0xe0,
  "SHR",
  "0xa9059cbb",
  "EQ",
  { push: "transfer" },
  "JUMPI",
  0,
  0,
  "REVERT",
  { label: "transfer" },
  // from's slot: keccak(caller . 0); [slot, balance, amount]
  "CALLER",
  0,
  "MSTORE",
  0,
  0x20,
  "MSTORE",
  0x40,
  0,
  "SHA3",
  "DUP1",
  "SLOAD",
  0x24,
  "CALLDATALOAD",
  "DUP1",
  "DUP3",
  "LT",
  { push: "fail" },
  "JUMPI",
  // balance - amount back to from's slot; [slot, amount]
  "SWAP1",
  "DUP2",
  "SWAP1",
  "SUB",
  "DUP3",
  "SSTORE",
  // to's slot += amount
  4,
  "CALLDATALOAD",
  0,
  "MSTORE",
  0x40,
  0,
  "SHA3",
  "DUP1",
  "SLOAD",
  "DUP3",
  "ADD",
  "SWAP1",
  "SSTORE",
  // Transfer(from, to, amount)
  "DUP1",
  0,
  "MSTORE",
  4,
  "CALLDATALOAD",
  "CALLER",
  TRANSFER_TOPIC,
  0x20,
  0,
  "LOG3",
  1,
  0,
  "MSTORE",
  0x20,
  0,
  "RETURN",
  { label: "fail" },
  0,
  0,
  "REVERT",
]);

const word = (b: Uint8Array | bigint): Buffer => {
  const out = Buffer.alloc(32);
  if (typeof b === "bigint") out.write(b.toString(16).padStart(64, "0"), "hex");
  else out.set(b, 32 - b.length);
  return out;
};

/** transfer(to, amount) calldata. */
export function transferCall(to: Uint8Array, amount: bigint): Uint8Array {
  return Buffer.concat([Buffer.from("a9059cbb", "hex"), word(to), word(amount)]);
}

/** The storage slot of `holder`'s balance (Solidity's mapping at slot 0), as a 0x hex key. */
export function balanceSlot(holder: Uint8Array): string {
  return "0x" + Buffer.from(keccak256(Buffer.concat([word(holder), word(0n)]))).toString("hex");
}
