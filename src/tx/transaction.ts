/**
 * The EVM transaction inside a TypedTransaction: pyquarkchain's quarkchain/tx/transactions.py
 * `Transaction`, decoded the way `rlp.decode(raw, Transaction)` does it (pyrlp 1.x sedes, then
 * the constructor's range check), and its sender recovered like the `sender` property.
 */
import { keccak256, keccak256Of } from "../crypto/keccak.ts";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { SECP256K1_N, recoverAddress } from "../crypto/secp256k1.ts";
import type { Json } from "../codec/codec.ts";
import { bytesToJson, intToJson } from "../codec/json.ts";
import { rlpDecode, rlpEncode, type RlpItem } from "./rlp.ts";
import { WireTransaction } from "./tx-layout.ts";

/** Field names are pyquarkchain's, as in the fixtures and the rest of this codebase. */
export interface EvmTransaction {
  nonce: bigint;
  gasprice: bigint;
  startgas: bigint;
  to: Uint8Array;
  value: bigint;
  data: Uint8Array;
  network_id: bigint;
  from_full_shard_key: number;
  to_full_shard_key: number;
  gas_token_id: bigint;
  transfer_token_id: bigint;
  version: bigint;
  v: bigint;
  r: bigint;
  s: bigint;
}

/** What escapes `rlp.decode(raw, Transaction)` when a field's sedes rejects its item. */
export class RlpDeserializationError extends Error {
  override name = "ObjectDeserializationError";
}

/** What escapes `rlp.encode(tx)` for a value its sedes cannot serialize. */
export class RlpSerializationError extends Error {
  override name = "ObjectSerializationError";
}

/** pyquarkchain's quarkchain.evm.exceptions.InvalidTransaction. */
export class InvalidTransactionError extends Error {
  override name = "InvalidTransaction";
}

type Sedes = "int" | "shardKey" | "address" | "binary";

const FIELDS: ReadonlyArray<readonly [keyof EvmTransaction, Sedes]> = [
  ["nonce", "int"],
  ["gasprice", "int"],
  ["startgas", "int"],
  ["to", "address"],
  ["value", "int"],
  ["data", "binary"],
  ["network_id", "int"],
  ["from_full_shard_key", "shardKey"],
  ["to_full_shard_key", "shardKey"],
  ["gas_token_id", "int"],
  ["transfer_token_id", "int"],
  ["version", "int"],
  ["v", "int"],
  ["r", "int"],
  ["s", "int"],
];

const TT256 = 1n << 256n;
const TOKEN_ID_MAX = 4873763662273663091n; // "ZZZZZZZZZZZZ" in base 36

/**
 * Big-endian bytes as a bigint. Most fields (nonce, gas, v, network id) fit in 6 bytes: those
 * go through a number, as exact, without the hex string (a forwarded transaction list decodes
 * ten of these per transaction).
 */
const bytesToBigInt = (b: Uint8Array): bigint => {
  const n = b.length;
  if (n > 6) return BigInt(bytesToJson(b));
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 256 + b[i]!;
  return BigInt(x);
};

/** Minimal big-endian bytes (0 is empty), or exactly `size` bytes when size is given. */
function bigIntToBytes(n: bigint, size?: number): Uint8Array {
  let hex = n === 0n ? "" : n.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  if (size !== undefined) hex = hex.padStart(size * 2, "0");
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function deserializeField(sedes: Sedes, serial: RlpItem): bigint | number | Uint8Array {
  // The checks and messages are the rlp shim's (BigEndianInt, Binary), in its order.
  switch (sedes) {
    case "shardKey":
      if (serial.length !== 4) throw new RlpDeserializationError("Invalid serialization (wrong size)");
      if (!(serial instanceof Uint8Array)) throw new RlpDeserializationError("Invalid serialization (not bytes)");
      return Number(bytesToBigInt(serial));
    case "int":
      if (!(serial instanceof Uint8Array)) throw new RlpDeserializationError("Invalid serialization (not bytes)");
      if (serial[0] === 0) throw new RlpDeserializationError("Invalid serialization (not minimal length)");
      return bytesToBigInt(serial);
    case "address":
    case "binary":
      if (!(serial instanceof Uint8Array))
        throw new RlpDeserializationError("Objects of type list cannot be deserialized");
      if (sedes === "address" && serial.length !== 0 && serial.length !== 20) {
        throw new RlpDeserializationError("<class 'bytes'> has invalid length");
      }
      return serial;
  }
}

function serializeField(sedes: Sedes, value: bigint | number | Uint8Array): Uint8Array {
  if (sedes === "address" || sedes === "binary") {
    if (!(value instanceof Uint8Array)) throw new RlpSerializationError("Object is not a serializable");
    if (sedes === "address" && value.length !== 0 && value.length !== 20) {
      throw new RlpSerializationError("Object has invalid length");
    }
    return value;
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) value = BigInt(value);
  if (typeof value !== "bigint") throw new RlpSerializationError("Can only serialize integers");
  if (sedes === "shardKey" && value >= 1n << 32n) {
    throw new RlpSerializationError("Integer too large (does not fit in 4 bytes)");
  }
  if (value < 0n) throw new RlpSerializationError("Cannot serialize negative integers");
  return bigIntToBytes(value, sedes === "shardKey" ? 4 : undefined);
}

/** `rlp.decode(raw, Transaction)`: throws RlpDecodingError, RlpDeserializationError or InvalidTransactionError. */
export function decodeEvmTransaction(rlp: Uint8Array): EvmTransaction {
  // A well-formed transaction is read in one pass (tx-layout.ts); its unsigned hash and its
  // signature are then read off its bytes.
  const wire = WireTransaction.read(rlp);
  return wire !== undefined ? checkRanges(wire) : decodeEvmTransactionItems(rlp);
}

/** decodeEvmTransaction by the generic RLP decoder alone (what every input that is not well-formed takes). */
export function decodeEvmTransactionItems(rlp: Uint8Array): EvmTransaction {
  const item = rlpDecode(rlp);
  if (!Array.isArray(item)) throw new RlpDeserializationError("Can only deserialize sequences");
  if (item.length !== FIELDS.length) {
    throw new RlpDeserializationError(`List length ${item.length} does not match sedes ${FIELDS.length}`);
  }
  const tx = Object.fromEntries(FIELDS.map(([name, sedes], i) => [name, deserializeField(sedes, item[i]!)]));
  return checkRanges(tx as unknown as EvmTransaction);
}

/**
 * Reused prefix arrays, one per size (hashed at once: a fresh small array would cost the hasher a
 * copy off V8's heap on every transaction).
 */
const PREFIXES = [1, 2, 3, 4, 5].map((n) => new Uint8Array(new ArrayBuffer(n)));

/** An RLP list prefix for a payload of `length` bytes (< 2^32), valid until the next call. */
function listPrefix(length: number): Uint8Array {
  if (length < 56) {
    const p = PREFIXES[0]!;
    p[0] = 0xc0 + length;
    return p;
  }
  const size = length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4;
  const p = PREFIXES[size]!;
  p[0] = 0xf7 + size;
  for (let i = size, l = length; i >= 1; i--, l = Math.floor(l / 256)) p[i] = l % 256;
  return p;
}

const EIP155_TAIL = Uint8Array.of(0x80, 0x80); // rlp(0), rlp(0)

/**
 * hash_unsigned off the signed bytes: the first `items` fields' encodings are the ones encoding
 * their values gives (strict decoding), so the preimage is their window, re-prefixed.
 */
function hashUnsignedWindow(tx: WireTransaction, items: 7 | 11, tail?: Uint8Array): Uint8Array {
  const body = tx.unsignedWindow(items);
  return keccak256Of(listPrefix(body.length + (tail?.length ?? 0)), body, tail);
}

/** The range check in Transaction.__init__ (v, r, s and network_id are unbounded). */
function checkRanges(tx: EvmTransaction): EvmTransaction {
  const tooHigh =
    tx.gasprice >= TT256 ||
    tx.startgas >= TT256 ||
    tx.value >= TT256 ||
    tx.nonce >= TT256 ||
    tx.version >= TT256 ||
    tx.gas_token_id > TOKEN_ID_MAX ||
    tx.transfer_token_id > TOKEN_ID_MAX;
  if (tooHigh) throw new InvalidTransactionError("Values way too high!");
  return tx;
}

export function encodeEvmTransaction(tx: EvmTransaction): Uint8Array {
  return rlpEncode(FIELDS.map(([name, sedes]) => serializeField(sedes, tx[name])));
}

/** `hash_unsigned` for versions other than 2: UnsignedTransaction drops v, r, s and version. */
function hashUnsignedV0(tx: EvmTransaction): Uint8Array {
  const dropped = new Set<keyof EvmTransaction>(["v", "r", "s", "version"]);
  const kept = FIELDS.filter(([name]) => !dropped.has(name));
  return keccak256(rlpEncode(kept.map(([name, sedes]) => serializeField(sedes, tx[name]))));
}

/** `hash_unsigned` for version 2: UnsignedEIP155Transaction, ethchainid = network_id, then 0, 0. */
function hashUnsignedEip155(tx: EvmTransaction): Uint8Array {
  const fields = [tx.nonce, tx.gasprice, tx.startgas, tx.to, tx.value, tx.data, tx.network_id, 0n, 0n];
  return keccak256(rlpEncode(fields.map((f) => (f instanceof Uint8Array ? f : bigIntToBytes(f)))));
}

const TYPED_SCHEMA_HASH = keccak256(
  utf8ToBytes(
    "uint256 nonceuint256 gasPriceuint256 gasLimituint160 touint256 valuebytes datauint256 networkId" +
      "uint32 fromFullShardKeyuint32 toFullShardKeyuint64 gasTokenIduint64 transferTokenIdstring qkcDomain",
  ),
);

/** `hash_typed` (solidity_abi_utils.typed_signature_hash of tx_to_typed_data), used by version 1. */
export function hashTyped(tx: EvmTransaction): Uint8Array {
  // solidity_pack raises ValueError("data is larger than size"); only network_id is unbounded.
  if (tx.network_id >= TT256) throw new Error("data is larger than size");
  const to = new Uint8Array(20);
  to.set(tx.to, 20 - tx.to.length);
  const packed = concatBytes(
    bigIntToBytes(tx.nonce, 32),
    bigIntToBytes(tx.gasprice, 32),
    bigIntToBytes(tx.startgas, 32),
    to,
    bigIntToBytes(tx.value, 32),
    tx.data,
    bigIntToBytes(tx.network_id, 32),
    bigIntToBytes(BigInt(tx.from_full_shard_key), 4),
    bigIntToBytes(BigInt(tx.to_full_shard_key), 4),
    bigIntToBytes(tx.gas_token_id, 8),
    bigIntToBytes(tx.transfer_token_id, 8),
    utf8ToBytes("bottom-quark"),
  );
  return keccak256(concatBytes(TYPED_SCHEMA_HASH, keccak256(packed)));
}

/**
 * The hash that `sign` signs: typed data for version 1, the EIP-155 form for version 2,
 * otherwise (`hash_unsigned`) the 11 non-signature fields, which keeps network_id and both shard keys.
 */
export function unsignedHash(tx: EvmTransaction): Uint8Array {
  if (tx.version === 1n) return hashTyped(tx);
  if (WireTransaction.is(tx))
    return tx.version === 2n ? hashUnsignedWindow(tx, 7, EIP155_TAIL) : hashUnsignedWindow(tx, 11);
  return tx.version === 2n ? hashUnsignedEip155(tx) : hashUnsignedV0(tx);
}

/**
 * Transaction.sender, or null wherever that property raises: r or s zero or >= n,
 * version 2 with v < 35 - 27 + 2 * network_id, a recovery id outside 0..3 or a failed
 * recovery (pyquarkchain's "zero privkey"), and versions above 2 (an UnboundLocalError there).
 */
export function recoverSender(tx: EvmTransaction): Uint8Array | null {
  if (tx.r >= SECP256K1_N || tx.s >= SECP256K1_N || tx.r === 0n || tx.s === 0n) return null;
  let v = tx.v;
  if (tx.version === 2n) {
    const base = 35n - 27n + tx.network_id * 2n;
    if (v < base) return null;
    v -= base;
  } else if (tx.version > 2n) {
    return null;
  }
  const recovery = v - 27n;
  if (recovery < 0n || recovery > 3n) return null;
  try {
    const compact = WireTransaction.is(tx) ? tx.compactSignature() : undefined;
    return recoverAddress(unsignedHash(tx), tx.r, tx.s, Number(recovery), compact) ?? null;
  } catch {
    return null;
  }
}

/** The fixtures' `_evm_tx`: the 15 fields in wire order, then `_sender`. */
export function evmTransactionToJson(tx: EvmTransaction): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name] of FIELDS) {
    const value = tx[name];
    out[name] = value instanceof Uint8Array ? bytesToJson(value) : intToJson(value);
  }
  const sender = recoverSender(tx);
  out["_sender"] = sender === null ? null : bytesToJson(sender);
  return out;
}

/** SerializedEvmTransaction's derived key: the decoded tx, or "<ExceptionClass>: <message>". */
export function evmTransactionJsonOrError(rlp: Uint8Array): { _evm_tx: Json } | { _evm_tx_error: string } {
  let tx: EvmTransaction;
  try {
    tx = decodeEvmTransaction(rlp);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    return { _evm_tx_error: `${e.name}: ${e.message}` };
  }
  return { _evm_tx: evmTransactionToJson(tx) };
}
