import { hex } from "../../../codec/bytes.ts";
import { unpackPath } from "./nibbles.ts";
import { type ResolvedNode, type TrieNode, branch, extension, hashed, leaf } from "./node.ts";

/**
 * A stored node's RLP back into a node, reading the bytes in place: paths, values and child
 * hashes are views of the record (which the node keeps anyway, as its cached encoding), so
 * reading a node costs one pass and no copies. Only what a trie node can be is accepted: a
 * list of 17 (branch) or 2 (leaf, extension) items whose children are blank, a 32-byte hash
 * or an inlined list. A branch is made packed (node.ts): checked whole here, its children are
 * read from the record (branchSlot, childAt) only when a walk goes down to one.
 */

export class MalformedTrieNodeError extends Error {
  override name = "MalformedTrieNodeError";
}

/** Where the last item read lies: its payload [start, end), and whether it is a list. */
let isList = false;
let start = 0;
let end = 0;

function lengthOf(rlp: Uint8Array, at: number, size: number): number {
  if (at + size > rlp.length) throw new MalformedTrieNodeError("a length past the end");
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + rlp[at + i]!;
  return n;
}

/** Reads the item header at `at` (within `limit`) into isList/start/end; returns the item's end. */
function item(rlp: Uint8Array, at: number, limit: number): number {
  if (at >= limit) throw new MalformedTrieNodeError("an item past the end");
  const b = rlp[at]!;
  isList = b >= 0xc0;
  const short = isList ? 0xc0 : 0x80; // payload length in the byte itself up to 55
  const long = isList ? 0xf7 : 0xb7; // past that, the length's own size
  if (b < 0x80) {
    start = at;
    end = at + 1;
  } else if (b <= long) {
    start = at + 1;
    end = start + b - short;
  } else {
    const size = b - long;
    start = at + 1 + size;
    end = start + lengthOf(rlp, at + 1, size);
  }
  if (end > limit) throw new MalformedTrieNodeError("an item longer than its list");
  return end;
}

function bytes(rlp: Uint8Array, at: number, limit: number): Uint8Array {
  item(rlp, at, limit);
  if (isList) throw new MalformedTrieNodeError("a list where bytes belong");
  return rlp.subarray(start, end);
}

/** A child slot at `at`: blank, a 32-byte hash, or a node inlined as a list. */
function child(rlp: Uint8Array, at: number, limit: number): TrieNode | undefined {
  const next = item(rlp, at, limit);
  if (isList) return node(rlp, at, next);
  const length = end - start;
  if (length === 0) return undefined;
  if (length === 32) return hashed(rlp.subarray(start, end));
  throw new MalformedTrieNodeError(`a child reference of ${length} bytes`);
}

/** Checks a child slot at `at` as `child` would read it, allocating nothing for a blank or a hash. */
function checkChild(rlp: Uint8Array, at: number, limit: number): void {
  const next = item(rlp, at, limit);
  if (isList) node(rlp, at, next);
  else if (end - start !== 0 && end - start !== 32)
    throw new MalformedTrieNodeError(`a child reference of ${end - start} bytes`);
}

/** The node whose RLP is rlp[from, to). */
function node(rlp: Uint8Array, from: number, to: number): ResolvedNode {
  item(rlp, from, to);
  if (!isList || end !== to) throw new MalformedTrieNodeError("not a list of its own length");
  const offsets: number[] = [];
  for (let at = start; at < to; at = item(rlp, at, to)) offsets.push(at);
  let made: ResolvedNode;
  if (offsets.length === 17) {
    // Packed (node.ts): its children are read from the record when a walk goes down to one.
    for (let i = 0; i < 16; i++) checkChild(rlp, offsets[i]!, to);
    const value = bytes(rlp, offsets[16]!, to);
    made = branch(undefined, value.length === 0 ? undefined : value);
  } else if (offsets.length === 2) {
    const unpacked = unpackPath(bytes(rlp, offsets[0]!, to));
    if (unpacked === undefined) throw new MalformedTrieNodeError("a bad hex-prefix path");
    if (unpacked.leaf) {
      made = leaf(unpacked.path, bytes(rlp, offsets[1]!, to));
    } else {
      const below = child(rlp, offsets[1]!, to);
      if (below === undefined || unpacked.path.length === 0) throw new MalformedTrieNodeError("an empty extension");
      made = extension(unpacked.path, below);
    }
  } else {
    throw new MalformedTrieNodeError(`a list of ${offsets.length} items`);
  }
  made.enc = rlp.subarray(from, to);
  made.stored = true;
  return made;
}

/** The node stored as `rlp` under `hash` (read from the store, so it and everything inlined in it count as stored). */
export function decodeNode(rlp: Uint8Array, hash: Uint8Array): ResolvedNode {
  try {
    const made = node(rlp, 0, rlp.length);
    made.hash = hash;
    return made;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new MalformedTrieNodeError(`trie node ${hex(hash)}: ${why}`, { cause: e });
  }
}

/**
 * Where child `slot` of a packed branch begins in its RLP `enc` (checked whole when it was decoded
 * or encoded, so read here without checks): the item's first byte is 0x80 for none, 0xa0 for a
 * 32-byte hash, a short list's (0xc0 + its length, under 32 bytes) for an inline node.
 */
export function branchSlot(enc: Uint8Array, slot: number): number {
  const first = enc[0]!;
  let at = first < 0xf8 ? 1 : first - 0xf6; // the list's header: one byte, or one and the length's bytes
  for (let i = 0; i < slot; i++) at += slotLength(enc[at]!);
  return at;
}

/** The length of a packed branch's slot item from its first byte `b` (branchSlot says which bytes it can be). */
export const slotLength = (b: number): number => (b === 0x80 ? 1 : b === 0xa0 ? 33 : b - 0xbf);

/** The 32-byte hash at enc[at..] as a view (the constructor: subarray looks a species constructor up first). */
const hashView = (enc: Uint8Array, at: number) => new Uint8Array(enc.buffer, enc.byteOffset + at, 32);

/** The child whose item begins at enc[at] (branchSlot): none, a HashedNode on a view of the hash, or the inline node. */
export function childAt(enc: Uint8Array, at: number): TrieNode | undefined {
  const b = enc[at]!;
  if (b === 0x80) return undefined;
  if (b === 0xa0) return hashed(hashView(enc, at + 1));
  return node(enc, at, at + b - 0xbf);
}

/** The hash of the child by hash whose item begins at enc[at] (its first byte 0xa0), as a view. */
export const childHashAt = (enc: Uint8Array, at: number): Uint8Array => hashView(enc, at + 1);

/** A packed branch's 16 children as an array of their own (for an edit that copies the branch). */
export function unpackChildren(enc: Uint8Array): Array<TrieNode | undefined> {
  const children = new Array<TrieNode | undefined>(16);
  let at = branchSlot(enc, 0);
  for (let i = 0; i < 16; i++) {
    const b = enc[at]!;
    children[i] = b === 0x80 ? undefined : childAt(enc, at);
    at += b === 0x80 ? 1 : b === 0xa0 ? 33 : b - 0xbf;
  }
  return children;
}
