/** opcodes.py: GTXCOST, CREATE[3], GTXDATAZERO, GTXDATANONZERO, GTXXSHARDCOST. */
export const GTXCOST = 21000n;
export const GTXCREATE = 32000n;
export const GTXDATAZERO = 4n;
export const GTXDATANONZERO = 68n;
export const GTXXSHARDCOST = 9000n;

/** The fields intrinsic gas depends on. */
export interface IntrinsicGasInput {
  readonly to: Uint8Array;
  readonly data: Uint8Array;
}

/**
 * transactions.py:Transaction.intrinsic_gas_used: 21000, plus 32000 to create, plus 4 per zero
 * and 68 per non-zero data byte, plus 9000 when the transaction crosses shards.
 */
export function intrinsicGas(tx: IntrinsicGasInput, isCrossShard: boolean): bigint {
  let zeros = 0;
  for (const b of tx.data) if (b === 0) zeros++;
  const nonZeros = tx.data.length - zeros;
  return (
    GTXCOST +
    (tx.to.length === 0 ? GTXCREATE : 0n) +
    GTXDATAZERO * BigInt(zeros) +
    GTXDATANONZERO * BigInt(nonZeros) +
    (isCrossShard ? GTXXSHARDCOST : 0n)
  );
}
