import t from "tap";
import { Arena } from "../../src/codec/arena.ts";

t.test("byte strings taken from an arena are views of shared chunks that later takes never touch", async (t) => {
  const arena = new Arena(256);
  const taken: [Uint8Array, number][] = [];
  for (let i = 0; i < 40; i++) {
    const b = arena.take(1 + (i % 60));
    b.fill(i);
    taken.push([b, i]);
  }
  t.ok(
    taken.every(([b, i]) => b.every((x) => x === i)),
    "each keeps what was written into it",
  );
  t.ok(taken[0]![0].buffer === taken[1]![0].buffer, "small takes share a chunk");
  const big = arena.take(65);
  t.equal(big.byteLength, 65);
  t.not(big.buffer, taken.at(-1)![0].buffer, "over a quarter chunk: an array of its own");
});

t.test(
  "reserve then claim: the room reserved is the arena's until claimed, and only the claimed part is taken",
  async (t) => {
    const arena = new Arena(256);
    const at = arena.reserve(60);
    t.ok(at >= 0);
    arena.bytes.fill(7, at, at + 60);
    // Nothing claimed: the next reservation gets the same room.
    t.equal(arena.reserve(60), at, "an unclaimed reservation is given out again");
    const view = arena.claim(at + 2, at + 40);
    t.equal(view.byteLength, 38);
    t.ok(view.every((x) => x === 7));
    const next = arena.take(16);
    next.fill(9);
    t.ok(
      view.every((x) => x === 7),
      "a later take begins after the claimed end",
    );
    t.equal(arena.reserve(65), -1, "more than a quarter chunk cannot be reserved");
    // A reservation that does not fit the chunk's rest starts a new chunk; views of the old one stay.
    for (let i = 0; i < 5; i++) arena.take(60).fill(1);
    t.ok(view.every((x) => x === 7) && next.every((x) => x === 9));
  },
);
