import { DecodeError, type Fields, type StructCodec, decode } from "../codec/index.ts";
import { clusterOps } from "./cluster.ts";
import * as cluster from "./cluster.ts";
import * as core from "./core.ts";
import type { Family, OpEntry } from "./ops.ts";
import { p2pOps } from "./p2p.ts";
import * as p2p from "./p2p.ts";

export type MessageCodec = StructCodec<Fields>;

function isStruct(x: unknown): x is MessageCodec {
  return typeof x === "object" && x !== null && "fields" in x && "name" in x && "read" in x;
}

function collect(...modules: object[]): Map<string, MessageCodec> {
  const out = new Map<string, MessageCodec>();
  for (const m of modules) for (const v of Object.values(m)) if (isStruct(v)) out.set(v.name, v);
  return out;
}

/** Every Serializable we declare, keyed by pyquarkchain's class name (`Ping`, `AddXshardTxListRequest`, ...). */
export const messageTypes: ReadonlyMap<string, MessageCodec> = collect(core, cluster, p2p);

export const opTables = { cluster: clusterOps, p2p: p2pOps } as const;

export function opEntry(family: Family, op: number): OpEntry | undefined {
  return opTables[family].byOp(op);
}

/**
 * Decodes a payload with the class its opcode names, as pyquarkchain's command parser
 * does. An opcode outside the family is an error of its own (a KeyError there).
 */
export function decodeOpPayload(family: Family, op: number, payload: Uint8Array): { entry: OpEntry; value: unknown } {
  const entry = opEntry(family, op);
  if (!entry) throw new DecodeError("unknown-op", `unknown ${family} op ${op}`);
  return { entry, value: decode(entry.message, payload) };
}
