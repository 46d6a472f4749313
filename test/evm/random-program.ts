/**
 * Seeded random EVM programs for the differential test: mostly well-formed snippets (arguments pushed,
 * then the opcode, results often stored so they show in storage or memory), with jumps, loops, calls to
 * the precompiles with meaningful inputs, CREATE/CREATE2, logs, and now and then a malformed step
 * (stack underflow, a bad jump, an opcode Petersburg lacks, huge memory offsets).
 */
import { bn254 } from "@noble/curves/bn254.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";

/** xorshift32 with helpers; one seed, one program. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.next() & 0xff);
  }
  word(): bigint {
    return BigInt(`0x${Buffer.from(this.bytes(32)).toString("hex")}`);
  }
}

/** The accounts a program can name (the test installs them in both worlds). */
export const CALLER = 0x0an;
export const CONTRACT = 0xccn;
export const OTHER = 0xddn;
export const COINBASE = 0xc0ffeen;

const M256 = (1n << 256n) - 1n;
const SECP_N = secp256k1.Point.CURVE().n;

class Asm {
  readonly code: number[] = [];
  op(...ops: number[]): this {
    this.code.push(...ops);
    return this;
  }
  push(v: bigint): this {
    v &= M256;
    const bytes: number[] = [];
    for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
    if (bytes.length === 0) bytes.push(0); // PUSH1 0: Petersburg has no PUSH0
    return this.op(0x5f + bytes.length, ...bytes);
  }
  /** A PUSH2 whose target is filled in later. */
  pushLabel(): number {
    this.op(0x61, 0, 0);
    return this.code.length - 2;
  }
  setLabel(at: number, target: number): void {
    this.code[at] = target >> 8;
    this.code[at + 1] = target & 0xff;
  }
  get pc(): number {
    return this.code.length;
  }
}

const BINARY = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1b,
  0x1c, 0x1d,
];
const UNARY = [0x15, 0x19];
const TERNARY = [0x08, 0x09];
const NULLARY_ENV = [0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x3d, 0x41, 0x42, 0x43, 0x44, 0x45, 0x58, 0x59, 0x5a];
/** Opcodes Petersburg lacks, or that do not exist: the frame fails with all its gas. */
const MISSING = [0x0c, 0x0f, 0x1e, 0x21, 0x46, 0x47, 0x48, 0x5c, 0x5d, 0x5e, 0x5f, 0xa5, 0xef, 0xf6, 0xfb, 0xfc, 0xfe];

export interface ProgramOptions {
  /** Nested programs (init code, the OTHER contract) are kept simpler. */
  depth?: number;
  snippets?: number;
  /** Top-level snippets to leave out (generated all the same, so the rest stays identical): for minimizing. */
  skip?: ReadonlySet<number>;
}

export function randomProgram(rng: Rng, opts: ProgramOptions = {}): Uint8Array {
  const depth = opts.depth ?? 0;
  const a = new Asm();
  const value = (): bigint =>
    rng.pick([
      0n,
      1n,
      2n,
      3n,
      7n,
      31n,
      32n,
      255n,
      256n,
      1n << 255n,
      M256,
      M256 - 1n,
      rng.word(),
      BigInt(rng.int(1000)),
      -BigInt(rng.int(100) + 1),
    ]);
  const offset = (): bigint =>
    rng.chance(0.02)
      ? rng.pick([1n << 20n, 1n << 32n, 1n << 64n, M256])
      : BigInt(rng.pick([0, 0, 32, 64, 96, 128, rng.int(512)]));
  const size = (): bigint =>
    rng.chance(0.02) ? rng.pick([1n << 20n, M256]) : BigInt(rng.pick([0, 1, 20, 32, 64, 128, rng.int(300)]));
  const address = (): bigint =>
    rng.pick([
      CALLER,
      CONTRACT,
      OTHER,
      COINBASE,
      1n,
      2n,
      3n,
      4n,
      5n,
      6n,
      7n,
      8n,
      9n,
      0x1234n,
      BigInt(rng.int(1 << 16)) << 100n,
    ]);
  const storeTop = () =>
    rng.chance(0.5) ? a.push(BigInt(rng.int(8))).op(0x55) : a.push(BigInt(rng.int(8) * 32)).op(0x52);
  const mstoreWords = (words: bigint[], at = 0) =>
    words.forEach((w, i) =>
      a
        .push(w)
        .push(BigInt(at + 32 * i))
        .op(0x52),
    );

  const precompileInput = (target: bigint): bigint => {
    // Lay a meaningful input at memory 0 and return its size.
    switch (target) {
      case 1n: {
        const hash = rng.bytes(32);
        const sig = secp256k1.Signature.fromBytes(
          secp256k1.sign(hash, secp256k1.utils.randomSecretKey(rng.bytes(48)), { prehash: false, format: "recovered" }),
          "recovered",
        );
        const s = rng.chance(0.3) ? SECP_N - sig.s : sig.s;
        mstoreWords([
          BigInt(`0x${Buffer.from(hash).toString("hex")}`),
          BigInt(rng.pick([27, 28, 27 + sig.recovery!, 0])),
          sig.r,
          s,
        ]);
        return 128n;
      }
      case 5n: {
        const [bl, el, ml] = [rng.int(40), rng.int(40), rng.int(40)];
        mstoreWords([BigInt(bl), BigInt(el), BigInt(ml), rng.word(), rng.word(), rng.word(), rng.word()]);
        return BigInt(96 + bl + el + ml);
      }
      case 6n:
      case 7n: {
        const p = bn254.G1.Point.BASE.multiply(BigInt(rng.int(1e6) + 1)).toAffine();
        const q = bn254.G1.Point.BASE.multiply(BigInt(rng.int(1e6) + 1)).toAffine();
        mstoreWords([p.x, rng.chance(0.1) ? p.y + 1n : p.y, target === 6n ? q.x : rng.word(), q.y]);
        return BigInt(rng.pick([128, 96, 64, 100]));
      }
      case 8n: {
        const k = BigInt(rng.int(1e6) + 1);
        const p = bn254.G1.Point.BASE.multiply(k).toAffine();
        const q = bn254.G2.Point.BASE.toAffine();
        const negP = bn254.G1.Point.BASE.multiply(k).negate().toAffine();
        const pair = (g: { x: bigint; y: bigint }) => [g.x, g.y, q.x.c1, q.x.c0, q.y.c1, q.y.c0];
        mstoreWords([...pair(p), ...pair(rng.chance(0.7) ? negP : p)]);
        return rng.pick([384n, 192n, 0n, 200n]);
      }
      default:
        mstoreWords([rng.word(), rng.word()]);
        return size();
    }
  };

  const snippet = () => {
    const r = rng.int(100);
    if (r < 22) {
      const op = rng.pick([...BINARY, ...BINARY, ...UNARY, ...TERNARY]);
      const arity = TERNARY.includes(op) ? 3 : UNARY.includes(op) ? 1 : 2;
      for (let i = 0; i < arity; i++) a.push(value());
      a.op(op);
      if (rng.chance(0.8)) storeTop();
    } else if (r < 28) {
      a.op(rng.pick(NULLARY_ENV));
      if (rng.chance(0.7)) storeTop();
    } else if (r < 34) {
      const op = rng.pick([0x31, 0x3b, 0x3f, 0x35]); // BALANCE EXTCODESIZE EXTCODEHASH CALLDATALOAD
      a.push(op === 0x35 ? BigInt(rng.int(80)) : address()).op(op);
      storeTop();
    } else if (r < 40) {
      // CALLDATACOPY CODECOPY RETURNDATACOPY EXTCODECOPY, then SHA3 over memory
      const op = rng.pick([0x37, 0x39, 0x3e, 0x3c]);
      a.push(size())
        .push(BigInt(rng.int(64)))
        .push(offset());
      if (op === 0x3c) a.push(address());
      a.op(op);
      if (rng.chance(0.5))
        a.push(size())
          .push(offset())
          .op(0x20)
          .op(...(rng.chance(0.5) ? [0x60, rng.int(8), 0x55] : [0x50]));
    } else if (r < 48) {
      a.push(value())
        .push(offset())
        .op(rng.pick([0x52, 0x53]));
      if (rng.chance(0.3))
        a.push(offset())
          .op(0x51)
          .push(BigInt(rng.int(8)))
          .op(0x55);
    } else if (r < 58) {
      a.push(rng.chance(0.3) ? 0n : value())
        .push(BigInt(rng.int(8)))
        .op(0x55);
      if (rng.chance(0.2))
        a.push(BigInt(rng.int(8)))
          .op(0x54)
          .push(BigInt(rng.int(8)))
          .op(0x55);
    } else if (r < 63) {
      const n = rng.int(5);
      for (let i = 0; i < n; i++) a.push(value());
      a.push(size() % 200n)
        .push(offset() % 512n)
        .op(0xa0 + n);
    } else if (r < 75 && depth < 2) {
      const kind = rng.pick([0xf1, 0xf1, 0xf2, 0xf4, 0xfa]);
      const target = address();
      const inSize = target <= 9n && rng.chance(0.8) ? precompileInput(target) : size() % 256n;
      const outSize = BigInt(rng.pick([0, 32, 64, 20]));
      a.push(outSize).push(BigInt(rng.pick([0, 32, 256])));
      a.push(inSize).push(0n);
      if (kind === 0xf1 || kind === 0xf2) a.push(rng.chance(0.6) ? 0n : BigInt(rng.int(1000)));
      a.push(target);
      if (rng.chance(0.4)) a.op(0x5a);
      else a.push(rng.pick([0n, 100n, 2300n, 3000n, 50000n, 500000n, M256]));
      a.op(kind);
      storeTop();
      if (rng.chance(0.4)) a.op(0x3d).push(7n).op(0x55); // RETURNDATASIZE into slot 7
    } else if (r < 80 && depth < 2) {
      const init = randomInitCode(rng, depth + 1);
      for (let i = 0; i < init.length; i += 32) {
        const chunk = Buffer.alloc(32);
        Buffer.from(init.subarray(i, i + 32)).copy(chunk);
        a.push(BigInt(`0x${chunk.toString("hex")}`))
          .push(BigInt(i))
          .op(0x52);
      }
      const create2 = rng.chance(0.4);
      if (create2) a.push(BigInt(rng.int(3)));
      a.push(BigInt(init.length))
        .push(0n)
        .push(rng.chance(0.7) ? 0n : BigInt(rng.int(500)))
        .op(create2 ? 0xf5 : 0xf0);
      storeTop();
    } else if (r < 85) {
      // A conditional forward jump over a snippet, or (rarely) a jump to a non-JUMPDEST.
      const cond = rng.chance(0.5) ? 1n : 0n;
      a.push(cond);
      const label = a.pushLabel();
      a.op(0x57);
      a.push(value())
        .push(BigInt(rng.int(8)))
        .op(0x55);
      if (rng.chance(0.05)) a.setLabel(label, a.pc - 1);
      else {
        a.setLabel(label, a.pc);
        a.op(0x5b);
      }
    } else if (r < 89) {
      // A counted loop whose body stores the counter.
      a.push(BigInt(rng.int(20) + 1));
      const top = a.pc;
      a.op(0x5b, 0x80)
        .push(BigInt(rng.int(8)))
        .op(0x55); // JUMPDEST DUP1 PUSH slot SSTORE
      a.push(1n).op(0x90, 0x03, 0x80); // PUSH1 1 SWAP1 SUB DUP1
      const label = a.pushLabel();
      a.setLabel(label, top);
      a.op(0x57, 0x50); // JUMPI POP
    } else if (r < 93) {
      a.op(rng.pick([0x80, 0x81, 0x82, 0x8f, 0x90, 0x91, 0x9f, 0x50]));
    } else if (r < 95) {
      a.op(rng.pick(MISSING));
    } else {
      a.push(value()).push(value()).op(rng.pick(BINARY)).op(0x50);
    }
  };

  const n = opts.snippets ?? (depth === 0 ? rng.int(30) + 3 : rng.int(6) + 1);
  for (let i = 0; i < n; i++) {
    const at = a.code.length;
    snippet();
    if (opts.skip?.has(i)) a.code.length = at;
  }
  // The end: RETURN or REVERT a slice of memory, STOP, SELFDESTRUCT, or falling off the code.
  switch (rng.int(6)) {
    case 0:
    case 1:
      a.push(BigInt(rng.pick([32, 64, 128, rng.int(200)])))
        .push(BigInt(rng.pick([0, 32])))
        .op(0xf3);
      break;
    case 2:
      a.push(BigInt(rng.pick([0, 32, 64])))
        .push(0n)
        .op(0xfd);
      break;
    case 3:
      a.op(0x00);
      break;
    case 4:
      if (rng.chance(0.5)) a.push(address()).op(0xff);
      break;
  }
  return Uint8Array.from(a.code);
}

/** Init code: a random body, then RETURN of a small runtime (a random program) copied from its own code. */
export function randomInitCode(rng: Rng, depth: number): Uint8Array {
  const body = randomProgram(rng, { depth, snippets: rng.int(3) });
  const runtime = rng.chance(0.2) ? rng.bytes(rng.int(40)) : randomProgram(rng, { depth: 2, snippets: rng.int(3) + 1 });
  // body's own terminator may end it early: that is part of the test.
  const tail = new Asm();
  // CODECOPY(0, start, len) RETURN(0, len), with start patched once the tail's length is known.
  const len = BigInt(runtime.length);
  tail.push(len);
  const startAt = tail.pushLabel();
  tail.push(0n).op(0x39).push(len).push(0n).op(0xf3);
  const start = body.length + tail.code.length;
  tail.setLabel(startAt, start);
  return Uint8Array.from([...body, ...tail.code, ...runtime]);
}
