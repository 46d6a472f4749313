/**
 * The "ti" records of a block's transactions (hash -> TxLocation: height, index), keys and values
 * written as views of one buffer: a block has hundreds, and the store copies them.
 */
export function txIndexRecords(
  hashes: readonly Uint8Array[],
  height: bigint,
  out: Array<readonly [Uint8Array, Uint8Array | undefined]>,
): void {
  let size = 0;
  for (const h of hashes) size += 2 + h.length + 12;
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  let at = 0;
  for (let index = 0; index < hashes.length; index++) {
    const h = hashes[index]!;
    const start = at;
    buf[at++] = 0x74; // "ti"
    buf[at++] = 0x69;
    buf.set(h, at);
    at += h.length;
    view.setBigUint64(at, height); // TxLocation's encoding: uint64 then uint32, big-endian
    view.setUint32(at + 8, index);
    out.push([buf.subarray(start, at), buf.subarray(at, at + 12)]);
    at += 12;
  }
}
