import { Arena } from "../../../codec/arena.ts";
import { keccak256 } from "../../../crypto/keccak.ts";
import {
  rlpPrefixSize as headerLength,
  rlpStringSize as itemLength,
  writeRlpPrefix as writeHeader,
  writeRlpString as writeItem,
} from "../../../tx/rlp.ts";
import { branchSlot, slotLength } from "./decode.ts";
import type { Nibbles } from "./nibbles.ts";
import { ALL_SLOTS, BRANCH, type BranchNode, HASHED, LEAF, type ResolvedNode, type TrieNode } from "./node.ts";

/**
 * A node's RLP and its reference in a parent: the RLP itself when shorter than 32 bytes, else
 * keccak256 of it (trie.py _encode_node). The reference is cached on the node, so hashing a
 * trie after an edit touches only the nodes the edit made.
 *
 * A node is measured first (its children's references taken, which may encode them), then
 * written in one pass where it is to live: a short node into an array of its own (its parent
 * embeds it), a long one being committed straight into the records' arena (its Kv record,
 * hashed there: encoded once, never copied), a long one only being hashed into one reused
 * scratch buffer. A branch's RLP is over 500 bytes, and a typed array that large lives
 * outside the JS heap: allocating one per edited node (and freeing it) was a third of a
 * commit's CPU time.
 */

/**
 * A path's hex-prefix item (packPath, then as an RLP string): a single byte (an empty or
 * one-nibble path, flag < 0x80) is its own item, else a header byte and up to 33 bytes.
 */
const pathItemLength = (path: Nibbles) => (path.length < 2 ? 1 : (path.length >> 1) + 2);

/** The path's hex-prefix encoding (nibbles.ts packPath) as an RLP item, written in place. */
function writePath(out: Uint8Array, at: number, path: Nibbles, leaf: boolean): number {
  const n = path.length;
  const flag = leaf ? 0x20 : 0;
  if (n >= 2) out[at++] = 0x80 + (n >> 1) + 1;
  let i = 0;
  if (n & 1) out[at++] = flag | 0x10 | path[i++]!;
  else out[at++] = flag;
  for (; i < n; i += 2) out[at++] = (path[i]! << 4) | path[i + 1]!;
  return at;
}

let scratch = new Uint8Array(1024);

/** The reference of a node that has none yet: its RLP kept if short, else its hash (encoded in the scratch buffer). */
function computeReference(node: ResolvedNode): Uint8Array {
  const payload = payloadLength(node);
  const length = headerLength(payload) + payload;
  if (length < 32) return (node.enc = encodeShort(node, payload, length));
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, 2 * scratch.length));
  write(node, scratch, 0, payload);
  return (node.hash = keccak256(scratch.subarray(0, length)));
}

/** A short node's RLP in an array of its own (under 32 bytes: on the JS heap, and cheap). */
function encodeShort(node: ResolvedNode, payload: number, length: number): Uint8Array {
  const enc = new Uint8Array(length);
  write(node, enc, 0, payload);
  return enc;
}

/** The RLP a parent holds for this child: itself if short, else its hash. */
function reference(child: TrieNode | undefined): Uint8Array | undefined {
  if (child === undefined || child.kind === HASHED) return child?.hash;
  if (child.enc !== undefined && child.enc.length < 32) return child.enc;
  return child.hash ?? computeReference(child);
}

/** keccak256 of the node's RLP (a root's hash, even when short). */
export function nodeHash(node: ResolvedNode): Uint8Array {
  if (node.hash !== undefined) return node.hash;
  const ref = reference(node)!;
  return ref.length === 32 ? ref : (node.hash = keccak256(ref));
}

/**
 * The node's RLP as bytes of its own: the cached RLP of a short or stored node, else written
 * into `arena` (chunks shared by the commits' records, see Arena). A long node's hash is left
 * to the caller (Trie.commit hashes it straight into its record's key).
 *
 * Written in one pass over the children: room for the longest RLP the node could have is
 * reserved, the payload written after room for the longest header, and the header then put
 * just before it (the arena's next bytes begin where the RLP ends; up to 2 bytes before it stay
 * unused). Measuring first (payloadLength) took a second pass over the 16 children's references.
 */
export function nodeRlp(node: ResolvedNode, arena: Arena): Uint8Array {
  if (node.enc !== undefined) return node.enc;
  const maxPayload = maxPayloadLength(node);
  const headroom = headerLength(maxPayload);
  const base = arena.reserve(headroom + maxPayload);
  if (base < 0) return measuredRlp(node, arena);
  const out = arena.bytes;
  const from = base + headroom;
  const end = writePayload(node, out, from);
  const payload = end - from;
  const start = from - headerLength(payload);
  writeHeader(out, start, payload, 0xc0);
  // A short node's RLP is embedded in its parent's: an array of its own (on the JS heap), the room left unclaimed.
  if (end - start < 32) return (node.enc = out.slice(start, end));
  return arena.claim(start, end);
}

/** nodeRlp for a node too long for the arena's reservation (a huge value: no node of the state's tries). */
function measuredRlp(node: ResolvedNode, arena: Arena): Uint8Array {
  const payload = payloadLength(node);
  const length = headerLength(payload) + payload;
  if (length < 32) return (node.enc = encodeShort(node, payload, length));
  const out = arena.take(length);
  write(node, out, 0, payload);
  return out;
}

/** The longest payload the node's RLP can have: every child a 33-byte hash reference, the longest path item. */
function maxPayloadLength(node: ResolvedNode): number {
  if (node.kind === BRANCH) return 16 * 33 + (node.value === undefined ? 1 : itemLength(node.value));
  return pathItemLength(node.path) + (node.kind === LEAF ? itemLength(node.value) : 33);
}

/** Writes the node's list payload (not its header) at out[at..]; returns its end. */
function writePayload(node: ResolvedNode, out: Uint8Array, at: number): number {
  if (node.kind === BRANCH) {
    at = writeSlots(node, out, at);
    if (node.value !== undefined) return writeItem(out, at, node.value);
    out[at] = 0x80;
    return at + 1;
  }
  at = writePath(out, at, node.path, node.kind === LEAF);
  return node.kind === LEAF ? writeItem(out, at, node.value) : writeReference(out, at, reference(node.child));
}

/**
 * A branch's 16 slots at out[at..]; returns their end. A slot the node holds is written from its
 * child's reference, one it reads from a record (a copy's untouched slot, node.ts) is that
 * record's bytes, copied as they are (a run of them at once): the same reference, with no
 * HashedNode made for it.
 */
function writeSlots(node: BranchNode, out: Uint8Array, at: number): number {
  const children = node.children;
  const own = children === undefined ? 0 : node.own;
  if (own === ALL_SLOTS) {
    for (let i = 0; i < 16; i++) at = writeReference(out, at, reference(children![i]));
    return at;
  }
  const record = node.base ?? node.enc!;
  let from = branchSlot(record, 0);
  let run = from; // where the record's slots not yet copied begin: a run of them goes in one copy
  for (let i = 0; i < 16; i++) {
    const length = slotLength(record[from]!);
    if ((own >> i) & 1) {
      if (run < from) at = copyRun(out, at, record, run, from);
      at = writeReference(out, at, reference(children![i]));
      run = from + length;
    }
    from += length;
  }
  return run < from ? copyRun(out, at, record, run, from) : at;
}

/**
 * record[from, to) into out[at..]; returns its end. One view and one copy a run: a byte loop over
 * a branch's ~500 bytes took several times as long, and so did a view per slot.
 */
function copyRun(out: Uint8Array, at: number, record: Uint8Array, from: number, to: number): number {
  out.set(new Uint8Array(record.buffer, record.byteOffset + from, to - from), at);
  return at + to - from;
}

/** Size in the parent of a reference: an inline node is its RLP, a hash a 33-byte string, none 0x80. */
const referenceLength = (ref: Uint8Array | undefined) => (ref === undefined ? 1 : ref.length < 32 ? ref.length : 33);

function writeReference(out: Uint8Array, at: number, ref: Uint8Array | undefined): number {
  if (ref === undefined) {
    out[at] = 0x80;
    return at + 1;
  }
  if (ref.length < 32) {
    out.set(ref, at);
    return at + ref.length;
  }
  out[at] = 0xa0;
  out.set(ref, at + 1);
  return at + 33;
}

/** The length of the node's list payload; takes (and caches) the children's references, so `write` finds them. */
function payloadLength(node: ResolvedNode): number {
  if (node.kind === BRANCH) {
    let payload = node.value === undefined ? 1 : itemLength(node.value);
    const children = node.children;
    const own = children === undefined ? 0 : node.own;
    const record = own === ALL_SLOTS ? undefined : (node.base ?? node.enc!);
    let from = record === undefined ? 0 : branchSlot(record, 0);
    for (let i = 0; i < 16; i++) {
      const length = record === undefined ? 0 : slotLength(record[from]!);
      payload += (own >> i) & 1 ? referenceLength(reference(children![i])) : length;
      from += length;
    }
    return payload;
  }
  const second = node.kind === LEAF ? itemLength(node.value) : referenceLength(reference(node.child));
  return pathItemLength(node.path) + second;
}

/**
 * Writes the node's RLP at out[at..] and returns its end. `payload` is payloadLength(node), which
 * has been called: the children's references are cached, so nothing else is encoded meanwhile. A
 * leaf or extension is [hex-prefix path, value or child], a branch 16 children and a value.
 */
function write(node: ResolvedNode, out: Uint8Array, at: number, payload: number): number {
  return writePayload(node, out, writeHeader(out, at, payload, 0xc0));
}
