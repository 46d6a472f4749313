import type { Codec, Infer } from "../codec/index.ts";

export type OpKind = "request" | "response" | "command";
export type Family = "cluster" | "p2p";

/** One opcode: its message class and, for a request, the name of its response op. */
export interface OpDef {
  readonly op: number;
  readonly message: Codec<unknown> & { readonly name: string };
  readonly kind: OpKind;
  readonly response?: string;
}

export interface OpEntry {
  readonly family: Family;
  readonly op: number;
  readonly name: string;
  readonly message: Codec<unknown> & { readonly name: string };
  readonly kind: OpKind;
  /** For requests: the opcode of the response (request + 1 throughout the slave's maps). */
  readonly responseOp?: number;
}

type Names<D extends Record<string, OpDef>, K> = { [N in keyof D]: D[N]["kind"] extends K ? N : never }[keyof D] &
  string;
export type RequestName<D extends Record<string, OpDef>> = Names<D, "request">;
export type CommandName<D extends Record<string, OpDef>> = Names<D, "command">;
/** The message type carried by op `N` of a table. */
export type MessageOf<D extends Record<string, OpDef>, N extends keyof D> = Infer<D[N]["message"]>;
/** The message that answers request `N`. */
export type ResponseOf<D extends Record<string, OpDef>, N extends keyof D> = D[N]["response"] extends keyof D
  ? MessageOf<D, D[N]["response"]>
  : never;

export interface OpTable<D extends Record<string, OpDef>> {
  readonly family: Family;
  readonly defs: D;
  /** Op name -> opcode, typed as literals so handler tables can be keyed by them. */
  readonly codes: { readonly [N in keyof D]: D[N]["op"] };
  byOp(op: number): OpEntry | undefined;
  byName(name: string): OpEntry | undefined;
  entries(): readonly OpEntry[];
  /**
   * The answer to request `name` that says it failed: the response's zero value with this
   * error_code (every response a slave may fail this way has one).
   */
  failedResponse<N extends RequestName<D>>(name: N, errorCode: number): ResponseOf<D, N>;
}

export function defineOps<const D extends Record<string, OpDef>>(family: Family, defs: D): OpTable<D> {
  const list: OpEntry[] = Object.entries(defs).map(([name, d]) => {
    const response = d.response === undefined ? undefined : defs[d.response];
    if (d.response !== undefined && !response) throw new Error(`${family} op ${name}: unknown response ${d.response}`);
    return {
      family,
      op: d.op,
      name,
      message: d.message,
      kind: d.kind,
      ...(response ? { responseOp: response.op } : {}),
    };
  });
  const ops = new Map(list.map((e) => [e.op, e]));
  const names = new Map(list.map((e) => [e.name, e]));
  const codes = Object.fromEntries(list.map((e) => [e.name, e.op])) as { [N in keyof D]: D[N]["op"] };
  return {
    family,
    defs,
    codes,
    byOp: (op) => ops.get(op),
    byName: (name) => names.get(name),
    entries: () => list,
    failedResponse: (name, errorCode) => {
      const responseOp = names.get(name)?.responseOp;
      const response = responseOp === undefined ? undefined : ops.get(responseOp);
      if (!response) throw new Error(`${family} op ${name} has no response`);
      // The table is built from data: the response's type is the one its name gives.
      return Object.assign({}, response.message.zero(), { error_code: errorCode }) as ResponseOf<D, typeof name>;
    },
  };
}
