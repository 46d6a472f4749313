import type { Fraction } from "../../config/fraction.ts";

/**
 * messages.py: `fee = gasprice * gas_used * local_fee_rate.numerator // local_fee_rate.denominator`,
 * floored per transaction; local_fee_rate = 1 - REWARD_TAX_RATE.
 */
export function coinbaseFee(gasPrice: bigint, gasUsed: bigint, localFeeRate: Fraction): bigint {
  return (gasPrice * gasUsed * localFeeRate.numerator) / localFeeRate.denominator;
}

/** 1 - REWARD_TAX_RATE. */
export function localFeeRate(rewardTaxRate: Fraction): Fraction {
  return {
    numerator: rewardTaxRate.denominator - rewardTaxRate.numerator,
    denominator: rewardTaxRate.denominator,
  };
}

/**
 * messages.py:_refund: of the unused gas's worth, refund_percent% goes back to the sender and
 * the rest is "burnt" by crediting the zero address (which changes the state root).
 */
export function splitRefund(total: bigint, refundPercent: bigint): { toSender: bigint; toBurn: bigint } {
  const toSender = (total * refundPercent) / 100n;
  return { toSender, toBurn: total - toSender };
}
