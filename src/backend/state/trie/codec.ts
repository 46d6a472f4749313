import { keccak256 } from "../../../crypto/keccak.ts";
import { packPath } from "./nibbles.ts";
import { BRANCH, type BranchNode, HASHED, LEAF, type ResolvedNode, type TrieNode } from "./node.ts";

/**
 * A node's RLP and its reference in a parent: the RLP itself when shorter than 32 bytes, else
 * keccak256 of it (trie.py _encode_node). The reference is cached on the node, so hashing a
 * trie after an edit touches only the nodes the edit made.
 *
 * A node of 32 bytes or more is encoded into one reused scratch buffer, hashed there, and
 * copied out only when a commit writes it: a branch's RLP is over 500 bytes, and a typed
 * array that large lives outside the JS heap: allocating one per edited node (and freeing it)
 * was a third of a commit's CPU time. Only the RLP of a short node is kept, since its parent
 * embeds it.
 */

const headerLength = (n: number) => (n < 56 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5);

const itemLength = (b: Uint8Array) => (b.length === 1 && b[0]! < 0x80 ? 1 : headerLength(b.length) + b.length);

function writeHeader(out: Uint8Array, at: number, length: number, offset: number): number {
  if (length < 56) {
    out[at] = offset + length;
    return at + 1;
  }
  const size = headerLength(length) - 1;
  out[at++] = offset + 55 + size;
  for (let i = size - 1; i >= 0; i--) out[at++] = (length >>> (8 * i)) & 0xff;
  return at;
}

function writeItem(out: Uint8Array, at: number, b: Uint8Array): number {
  if (b.length === 1 && b[0]! < 0x80) {
    out[at] = b[0]!;
    return at + 1;
  }
  at = writeHeader(out, at, b.length, 0x80);
  out.set(b, at);
  return at + b.length;
}

let scratch = new Uint8Array(1024);

/** The reference of a node that has none yet: encoded in the scratch buffer, its RLP kept if short, else hashed. */
function computeReference(node: ResolvedNode): Uint8Array {
  const length = encode(node);
  if (length < 32) return (node.enc = scratch.slice(0, length));
  return (node.hash = keccak256(scratch.subarray(0, length)));
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
 * The node's RLP as bytes of its own: the cached RLP of a short or stored node, else encoded
 * afresh into `arena` (one buffer for a whole commit's records, which die with the batch).
 */
export function nodeRlp(node: ResolvedNode, arena: Arena): Uint8Array {
  if (node.enc !== undefined) return node.enc;
  const length = encode(node);
  if (length < 32) return (node.enc = scratch.slice(0, length));
  node.hash ??= keccak256(scratch.subarray(0, length));
  return arena.copy(scratch, length);
}

/** Bump allocation of one commit's records, in chunks that grow with the commit (a one-key commit takes 4 kB). */
export class Arena {
  private chunk = new Uint8Array(0);
  private used = 0;
  private next = 4096;

  copy(from: Uint8Array, length: number): Uint8Array {
    if (this.used + length > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(length, this.next));
      this.next = Math.min(2 * this.next, 256 * 1024);
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + length);
    out.set(from.subarray(0, length));
    this.used += length;
    return out;
  }
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

/** Room for `length` bytes in the scratch buffer (its contents are dropped). */
function room(length: number): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, 2 * scratch.length));
  return scratch;
}

/**
 * Writes the node's RLP at the start of the scratch buffer and returns its length. The
 * children's references are taken first (which may encode them in the same buffer), the
 * node's own bytes after: a leaf or extension is [hex-prefix path, value or child], a branch
 * 16 children and a value.
 */
function encode(node: ResolvedNode): number {
  if (node.kind === BRANCH) {
    const refs = node.children.map(reference);
    let payload = node.value === undefined ? 1 : itemLength(node.value);
    for (const r of refs) payload += referenceLength(r);
    const out = room(headerLength(payload) + payload);
    let at = writeHeader(out, 0, payload, 0xc0);
    for (const r of refs) at = writeReference(out, at, r);
    if (node.value !== undefined) return writeItem(out, at, node.value);
    out[at] = 0x80;
    return at + 1;
  }
  const path = packPath(node.path, node.kind === LEAF);
  const ref = node.kind === LEAF ? undefined : reference(node.child);
  const second = node.kind === LEAF ? itemLength(node.value) : referenceLength(ref);
  const payload = itemLength(path) + second;
  const out = room(headerLength(payload) + payload);
  const at = writeItem(out, writeHeader(out, 0, payload, 0xc0), path);
  return node.kind === LEAF ? writeItem(out, at, node.value) : writeReference(out, at, ref);
}
