/** opcodes.py: GTXCOST, CREATE[3], GTXDATAZERO, GTXDATANONZERO, GTXXSHARDCOST. */
export const GTXCOST = 21000n;
export const GTXCREATE = 32000n;
export const GTXDATAZERO = 4n;
export const GTXDATANONZERO = 68n;
export const GTXXSHARDCOST = 9000n;

const TX = Number(GTXCOST);
const CREATE = Number(GTXCREATE);
const ZERO = Number(GTXDATAZERO);
const NONZERO = Number(GTXDATANONZERO);
const XSHARD = Number(GTXXSHARDCOST);

/** The fields intrinsic gas depends on. */
export interface IntrinsicGasInput {
  readonly to: Uint8Array;
  readonly data: Uint8Array;
}

/**
 * transactions.py:Transaction.intrinsic_gas_used: 21000, plus 32000 to create, plus 4 per zero
 * and 68 per non-zero data byte, plus 9000 when the transaction crosses shards. Counted in a
 * number (exact: 68 gas a byte stays below 2^53 for any data a frame can hold), one bigint out.
 */
export function intrinsicGas(tx: IntrinsicGasInput, isCrossShard: boolean): bigint {
  const data = tx.data;
  const n = data.length;
  let zeros = 0;
  for (let i = 0; i < n; i++) if (data[i] === 0) zeros++;
  return BigInt(
    TX + (tx.to.length === 0 ? CREATE : 0) + ZERO * zeros + NONZERO * (n - zeros) + (isCrossShard ? XSHARD : 0),
  );
}
