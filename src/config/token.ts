/** Native token names <-> ids (pyquarkchain utils.token_id_encode / token_id_decode): bijective base 36. */

export const TOKEN_ID_MAX = 4873763662273663091n; // "ZZZZZZZZZZZZ"
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export class TokenNameError extends Error {
  override readonly name = "TokenNameError";
}

/** "QKC" -> 35760. Names are 1 to 12 characters of 0-9 and A-Z. */
export function tokenIdEncode(name: string): bigint {
  if (!/^[0-9A-Z]{1,12}$/.test(name)) {
    throw new TokenNameError(`bad token name ${JSON.stringify(name)}: 1 to 12 characters of 0-9 and A-Z`);
  }
  let id = BigInt(DIGITS.indexOf(name[name.length - 1]!));
  let base = 36n;
  // Every character but the last counts one more than its digit value, so "0" and "00" differ.
  for (let i = name.length - 2; i >= 0; i--) {
    id += base * BigInt(DIGITS.indexOf(name[i]!) + 1);
    base *= 36n;
  }
  return id;
}

export function tokenIdDecode(id: bigint): string {
  if (id < 0n || id > TOKEN_ID_MAX) throw new TokenNameError(`token id ${id} out of range`);
  let name = DIGITS[Number(id % 36n)]!;
  for (let rest = id / 36n - 1n; rest >= 0n; rest = rest / 36n - 1n) name = DIGITS[Number(rest % 36n)]! + name;
  return name;
}
