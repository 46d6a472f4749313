import { parse } from "lossless-json";

/**
 * A JSON number written with a fraction or an exponent (`0.3`, `1e18`): Python's json
 * reads it as a float, never as an int, so the loader must tell the two apart.
 */
export class JsonFloat {
  constructor(readonly text: string) {}
  get value(): number {
    return Number(this.text); // correctly rounded, like Python's float()
  }
}

/** JSON as pyquarkchain's json.loads sees it: integers stay exact (bigint), floats are marked. */
export type ConfigJson = null | boolean | string | bigint | JsonFloat | ConfigJson[] | { [key: string]: ConfigJson };

/** Parses config JSON without losing integer precision (amounts exceed 2^53). Throws SyntaxError. */
export function parseConfigJson(text: string): ConfigJson {
  return parse(text, null, {
    parseNumber: (s) => (/^-?\d+$/.test(s) ? BigInt(s) : new JsonFloat(s)),
    // Python's json keeps the last of duplicate keys.
    onDuplicateKey: ({ newValue }) => newValue,
  }) as ConfigJson;
}
