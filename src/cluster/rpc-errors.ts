/** Why a call failed; the caller decides what each kind means for its own work. */
export type RpcErrorKind =
  | "closed" // the connection closed before the answer came (pyquarkchain: "connection abort")
  | "timeout" // no answer within the call's deadline
  | "too-many-pending" // the connection's cap on calls in flight is reached
  | "bad-response"; // the answer came with an opcode that is not the request's response

export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly kind: RpcErrorKind,
    message: string,
  ) {
    super(message);
  }
}
