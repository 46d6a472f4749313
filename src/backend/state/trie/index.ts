/** The Merkle Patricia trie of the world state and of receipts (EXECUTION.md §2.1, §3). */
export { MalformedTrieNodeError } from "./decode.ts";
export { listRoot } from "./list-root.ts";
export { TrieNodeCache } from "./node-cache.ts";
export { MissingTrieNodeError, TrieNodeDb, type TrieWrite } from "./node-db.ts";
export { SecureTrie } from "./secure-trie.ts";
export { BLANK_ROOT, Trie, type TrieCommit } from "./trie.ts";
export type { TrieEntry } from "./walk.ts";
export type { ResolvedNode } from "./node.ts";
