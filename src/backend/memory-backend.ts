/**
 * The default backend under its first name: ChainBackend (chain-backend.ts) keeps each
 * shard's chain in a ChainStore, in memory unless given ChainDb.open(dir).
 */
export {
  ChainBackend as MemoryBackend,
  type ChainBackendOptions as MemoryBackendOptions,
  ENOENT,
  EBADMSG,
  EFAULT,
  type GenesisProvider,
} from "./chain-backend.ts";
export { ChainDb } from "./chain-store.ts";
export { emptyMinorBlock } from "./master-handlers.ts";
export { minorBlockHash as headerHash } from "./genesis.ts";
