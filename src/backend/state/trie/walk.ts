import { type Nibbles, fromNibbles } from "./nibbles.ts";
import type { TrieNodeDb } from "./node-db.ts";
import { BRANCH, LEAF, type TrieNode } from "./node.ts";

/** An entry: its key and value. */
export type TrieEntry = [key: Uint8Array, value: Uint8Array];

/**
 * The entries below `node` in key order (byte-wise, a key before its extensions), ascending
 * from `bound` inclusive or descending from it inclusive; no bound means from the first (or
 * last) key. Only the nodes on the bound's path and those actually yielded are read: a walk
 * that stops after n entries costs n leaves plus one path, which is what GET_TOTAL_BALANCE's
 * paging (trie.py `next`, shard_state.py get_total_balance) needs.
 */
export function* walk(
  db: TrieNodeDb,
  node: TrieNode | undefined,
  bound: Nibbles | undefined,
  ascending: boolean,
): Generator<TrieEntry> {
  yield* visit(db, node, [], bound, ascending);
}

/** -1, 0 or 1 as `segment` sorts before, equal to or after bound[at, at + segment.length) (a proper prefix sorts first). */
function compareSegment(segment: Nibbles, bound: Nibbles, at: number): number {
  const n = Math.min(segment.length, bound.length - at);
  for (let i = 0; i < n; i++) if (segment[i] !== bound[at + i]) return segment[i]! < bound[at + i]! ? -1 : 1;
  return segment.length > n ? 1 : 0;
}

function* visit(
  db: TrieNodeDb,
  node: TrieNode | undefined,
  path: number[],
  bound: Nibbles | undefined,
  ascending: boolean,
): Generator<TrieEntry> {
  if (node === undefined) return;
  const n = db.resolve(node);
  const at = path.length;
  if (n.kind === BRANCH) {
    // The key ending here sorts before every key below; the bound, if it goes on, passes it.
    const boundHere = bound !== undefined && bound.length === at;
    const valueIn = n.value !== undefined && (bound === undefined || boundHere || !ascending);
    if (ascending && valueIn) yield [fromNibbles(path), n.value!];
    const first = bound === undefined || boundHere ? -1 : bound[at]!;
    for (let k = 0; k < 16; k++) {
      const i = ascending ? k : 15 - k;
      // With a bound: the child on its path stays bounded, the ones past it are unbounded, the rest are out.
      if (bound !== undefined && (boundHere ? !ascending : ascending ? i < first : i > first)) continue;
      const child = db.child(n, i); // read when wanted, not before: the walk may stop before it
      if (child === undefined) continue;
      path.push(i);
      yield* visit(db, child, path, bound !== undefined && i === first ? bound : undefined, ascending);
      path.pop();
    }
    if (!ascending && valueIn) yield [fromNibbles(path), n.value!];
    return;
  }
  // A leaf or extension: its segment puts the whole subtree before the bound, after it, or on its path.
  let inside = bound;
  if (bound !== undefined) {
    const order = compareSegment(n.path, bound, at);
    if (order !== 0) {
      if (order > 0 !== ascending) return;
      inside = undefined;
    }
  }
  for (const nibble of n.path) path.push(nibble);
  if (n.kind === LEAF) {
    // On the bound's path, a leaf is the bound itself (in) or a proper prefix of it (before it).
    if (inside === undefined || path.length === inside.length || !ascending) yield [fromNibbles(path), n.value];
  } else {
    yield* visit(db, n.child, path, inside, ascending);
  }
  path.length = at;
}
