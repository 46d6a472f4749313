/**
 * Errors are values with a kind, so a connection can decide what each kind means
 * (close the link, fail a call) without parsing messages.
 */
export type DecodeErrorKind =
  | "truncated" // the input ends before the value does (pyquarkchain: "buffer is shorter than expected")
  | "invalid" // the bytes are there but name nothing (an unknown TypedTransaction type)
  | "unknown-op"; // an opcode outside the link's op map (pyquarkchain: KeyError in the command parser)

export type EncodeErrorKind =
  | "overflow" // an integer does not fit its width, or is negative
  | "length" // fixed-size bytes of the wrong length
  | "too-long"; // a length or count prefix cannot hold the size

export class DecodeError extends Error {
  override readonly name = "DecodeError";
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export class EncodeError extends Error {
  override readonly name = "EncodeError";
  constructor(
    readonly kind: EncodeErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON value that does not fit the schema it is converted with (qkc-wire input). */
export class JsonShapeError extends Error {
  override readonly name = "JsonShapeError";
}
