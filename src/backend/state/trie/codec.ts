import { keccak256 } from "../../../crypto/keccak.ts";
import { packPath } from "./nibbles.ts";
import { BRANCH, type BranchNode, HASHED, LEAF, type ResolvedNode, type TrieNode } from "./node.ts";

/**
 * A node's RLP, written straight into one buffer (sizes first, then bytes), and its
 * reference in a parent: the RLP itself when shorter than 32 bytes, else keccak256 of it
 * (trie.py _encode_node). Both are cached on the node, so hashing a trie after an edit
 * touches only the nodes the edit made.
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

/** keccak256 of the node's RLP. */
export function nodeHash(node: ResolvedNode): Uint8Array {
  return (node.hash ??= keccak256(encodeNode(node)));
}

/** The RLP a parent holds for this child: itself if short, else 0xa0 ‖ hash. */
function reference(child: TrieNode | undefined): Uint8Array | undefined {
  if (child === undefined) return undefined;
  if (child.kind === HASHED) return child.hash;
  const enc = encodeNode(child);
  return enc.length < 32 ? enc : nodeHash(child);
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

function encodeBranch(node: BranchNode): Uint8Array {
  const refs = node.children.map(reference);
  let payload = node.value === undefined ? 1 : itemLength(node.value);
  for (const r of refs) payload += referenceLength(r);
  const out = new Uint8Array(headerLength(payload) + payload);
  let at = writeHeader(out, 0, payload, 0xc0);
  for (const r of refs) at = writeReference(out, at, r);
  if (node.value === undefined) out[at] = 0x80;
  else writeItem(out, at, node.value);
  return out;
}

/** The node's RLP (a leaf or extension is [hex-prefix path, value or child], a branch 16 children and a value). */
export function encodeNode(node: ResolvedNode): Uint8Array {
  if (node.enc !== undefined) return node.enc;
  if (node.kind === BRANCH) return (node.enc = encodeBranch(node));
  const path = packPath(node.path, node.kind === LEAF);
  const ref = node.kind === LEAF ? undefined : reference(node.child);
  const second = node.kind === LEAF ? itemLength(node.value) : referenceLength(ref);
  const payload = itemLength(path) + second;
  const out = new Uint8Array(headerLength(payload) + payload);
  const at = writeItem(out, writeHeader(out, 0, payload, 0xc0), path);
  if (node.kind === LEAF) writeItem(out, at, node.value);
  else writeReference(out, at, ref);
  return (node.enc = out);
}
