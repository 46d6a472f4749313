/** An exact rational n/d with d > 0, in lowest terms (Python's fractions.Fraction). */
export interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Python's `//`: rounds toward negative infinity (BigInt division truncates). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function fraction(n: bigint, d: bigint): Fraction {
  if (d === 0n) throw new RangeError("zero denominator");
  const g = gcd(n, d) || 1n;
  const s = d < 0n ? -1n : 1n;
  return { numerator: (s * n) / g, denominator: (s * d) / g };
}

/** The exact value of a double, as float.as_integer_ratio() gives it. */
export function fractionOfDouble(x: number): Fraction {
  if (!Number.isFinite(x)) throw new RangeError(`${x} has no exact fraction`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  // Normal numbers carry the implicit leading 1; subnormals do not.
  const mantissa = exp === 0 ? frac : frac | (1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  return e >= 0 ? fraction(sign * (mantissa << BigInt(e)), 1n) : fraction(sign * mantissa, 1n << BigInt(-e));
}

/**
 * Python's Fraction.limit_denominator(max_d): the closest fraction with denominator
 * at most max_d (continued fractions; on a tie the convergent p1/q1 wins, as in Python).
 */
export function limitDenominator(f: Fraction, maxDenominator = 1_000_000n): Fraction {
  if (f.denominator <= maxDenominator) return f;
  let [p0, q0, p1, q1] = [0n, 1n, 1n, 0n];
  let [n, d] = [f.numerator, f.denominator];
  for (;;) {
    const a = floorDiv(n, d);
    const q2 = q0 + a * q1;
    if (q2 > maxDenominator) break;
    [p0, q0, p1, q1] = [p1, q1, p0 + a * p1, q2];
    [n, d] = [d, n - a * d];
  }
  const k = floorDiv(maxDenominator - q0, q1);
  const bound1 = fraction(p0 + k * p1, q0 + k * q1);
  const bound2 = fraction(p1, q1);
  // |bound - f| compared exactly: cross-multiplied over the common positive denominators.
  const dist = (b: Fraction) => abs(b.numerator * f.denominator - f.numerator * b.denominator);
  const d2 = dist(bound2) * bound1.denominator;
  const d1 = dist(bound1) * bound2.denominator;
  return d2 <= d1 ? bound2 : bound1;
}

/** Fraction(x).limit_denominator() for a config number (an int, or a float read from JSON). */
export function pythonFraction(x: bigint | number): Fraction {
  return typeof x === "bigint" ? fraction(x, 1n) : limitDenominator(fractionOfDouble(x));
}
