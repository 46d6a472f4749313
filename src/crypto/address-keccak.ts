import { keccak256 } from "./keccak.ts";

/**
 * keccak256 of a 20-byte address: the secure-trie key world-state reads an account under. A sender
 * thread hashes a transaction's sender and recipient while it holds them (tx/senders.ts), and the
 * main thread leaves those hashes here, in a small direct-mapped table looked up by the address's
 * bytes (compared in full: a hit is always the right hash; a miss, or a slot taken since, just
 * hashes). Neither a WeakMap (~1 us a key for the garbage collector's ephemerons) nor a property on
 * the array (a new shape for every address in the hot paths). The hash returned may be shared:
 * never write into it.
 */
const SLOTS = 4096; // two blocks' senders and recipients with few collisions
const ADDRESS = 20;
const addresses = new Uint8Array(SLOTS * ADDRESS);
const hashes: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);

/** An address's slot: its last 12 bits (addresses are keccak outputs, spread evenly). */
const slotOf = (bytes: Uint8Array, at: number): number =>
  ((bytes[at + ADDRESS - 2]! << 8) | bytes[at + ADDRESS - 1]!) & (SLOTS - 1);

/** keccak256(address), from the table when a sender thread hashed these bytes already. */
export function addressKeccak(address: Uint8Array): Uint8Array {
  if (address.length === ADDRESS) {
    const slot = slotOf(address, 0);
    const hash = hashes[slot];
    if (hash !== undefined && sameAt(address, slot * ADDRESS)) return hash;
  }
  return keccak256(address);
}

/** `hash` is keccak256 of the 20 bytes at bytes[at..] (the caller hashed exactly these). */
export function rememberAddressKeccak(bytes: Uint8Array, hash: Uint8Array, at = 0): void {
  const slot = slotOf(bytes, at);
  addresses.set(bytes.subarray(at, at + ADDRESS), slot * ADDRESS);
  hashes[slot] = hash;
}

function sameAt(address: Uint8Array, at: number): boolean {
  for (let i = 0; i < ADDRESS; i++) if (addresses[at + i] !== address[i]) return false;
  return true;
}
