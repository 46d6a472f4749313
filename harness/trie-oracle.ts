/**
 * The whole-trie root computation the Trie replaced, kept as the tests' oracle. The one import
 * of it, so that when mpt.ts moves (to src/backend/exec/derive/mpt.ts on `redesign`) one line follows.
 */
export { secureTrieRoot, trieRoot } from "../src/backend/exec/derive/mpt.ts";
