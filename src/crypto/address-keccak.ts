import { keccak256 } from "./keccak.ts";

/**
 * keccak256 of a 20-byte address: the secure-trie key world-state reads an account under. A sender
 * thread hashes a transaction's sender and recipient while it holds them (tx/senders.ts), and the
 * main thread leaves those hashes here, in a small direct-mapped table looked up by the address's
 * bytes (compared in full: a hit is always the right hash; a miss, or a slot taken since, just
 * hashes). Neither a WeakMap (~1 us a key for the garbage collector's ephemerons) nor a property on
 * the array (a new shape for every address in the hot paths). The hash returned is the caller's own.
 */
const SLOTS = 4096; // two blocks' senders and recipients with few collisions
const ADDRESS = 20;
const HASH = 32;
/**
 * The addresses and their hashes in two flat arrays, copied in (no object per entry: a block's
 * ~570 keys made ~230 bytes each for the young generation, most of them never read, a sender
 * sending several times a block being cached by the world state after its first). A slot is valid
 * once `filled`; a hit copies its hash out, only for an account the world state actually loads.
 */
const addresses = new Uint8Array(SLOTS * ADDRESS);
const hashes = new Uint8Array(SLOTS * HASH);
const filled = new Uint8Array(SLOTS);

/** An address's slot: its last 12 bits (addresses are keccak outputs, spread evenly). */
const slotOf = (bytes: Uint8Array, at: number): number =>
  ((bytes[at + ADDRESS - 2]! << 8) | bytes[at + ADDRESS - 1]!) & (SLOTS - 1);

/** keccak256(address), from the table when a sender thread hashed these bytes already (a fresh array either way). */
export function addressKeccak(address: Uint8Array): Uint8Array {
  if (address.length === ADDRESS) {
    const slot = slotOf(address, 0);
    if (filled[slot] === 1 && sameAt(address, slot * ADDRESS)) return hashes.slice(slot * HASH, slot * HASH + HASH);
  }
  return keccak256(address);
}

/** Whether the table holds these 20 bytes' hash (what a sender thread handed on and nothing has displaced yet). */
export function hasAddressKeccak(address: Uint8Array): boolean {
  const slot = slotOf(address, 0);
  return address.length === ADDRESS && filled[slot] === 1 && sameAt(address, slot * ADDRESS);
}

/** hash[hashAt..hashAt+32] is keccak256 of the 20 bytes at bytes[at..] (the caller hashed exactly these): both copied in. */
export function rememberAddressKeccak(bytes: Uint8Array, at: number, hash: Uint8Array, hashAt: number): void {
  const slot = slotOf(bytes, at);
  const a = slot * ADDRESS;
  for (let i = 0; i < ADDRESS; i++) addresses[a + i] = bytes[at + i]!;
  const h = slot * HASH;
  for (let i = 0; i < HASH; i++) hashes[h + i] = hash[hashAt + i]!;
  filled[slot] = 1;
}

function sameAt(address: Uint8Array, at: number): boolean {
  for (let i = 0; i < ADDRESS; i++) if (addresses[at + i] !== address[i]) return false;
  return true;
}
