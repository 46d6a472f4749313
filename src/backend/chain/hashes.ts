import { encode, owned } from "../../codec/index.ts";
import { keccak256 } from "../../crypto/keccak.ts";
import {
  type MinorBlockHeader,
  type MinorBlockMeta,
  type RootBlockHeader,
  MinorBlockHeader as MinorBlockHeaderCodec,
  MinorBlockMeta as MinorBlockMetaCodec,
  RootBlockHeader as RootBlockHeaderCodec,
} from "../../messages/core.ts";

/**
 * Headers are values once built or decoded: adding one minor block asks its hash about eight
 * times (validation, store, tip, canonical index, propagation), so the hash is kept with
 * the header object. Build a header completely before hashing it.
 */
const minorHashes = new WeakMap<MinorBlockHeader, Uint8Array>();
const rootHashes = new WeakMap<RootBlockHeader, Uint8Array>();
export const rootBlockHash = (header: RootBlockHeader): Uint8Array => {
  let hash = rootHashes.get(header);
  if (hash === undefined) rootHashes.set(header, (hash = keccak256(encode(RootBlockHeaderCodec, header))));
  return hash;
};
export const minorBlockHash = (header: MinorBlockHeader): Uint8Array => {
  let hash = minorHashes.get(header);
  if (hash === undefined) {
    const bytes = owned(encode(MinorBlockHeaderCodec, header));
    MinorBlockHeaderCodec.remember(header, bytes); // header lists then copy these bytes
    minorHashes.set(header, (hash = keccak256(bytes)));
  }
  return hash;
};
export const minorBlockMetaHash = (meta: MinorBlockMeta): Uint8Array => keccak256(encode(MinorBlockMetaCodec, meta));
