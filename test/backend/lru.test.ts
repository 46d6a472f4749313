import t from "tap";
import { Lru } from "../../src/backend/chain/lru.ts";

t.test("the decoded-block cache is bounded by count and by weight, least recently used out first", async (t) => {
  const lru = new Lru<string>(3, 10, (v) => v.length);
  lru.set("a", "xx");
  lru.set("b", "yy");
  lru.set("c", "zz");
  t.equal(lru.get("a"), "xx", "a is now the most recent");
  lru.set("d", "ww");
  t.equal(lru.get("b"), undefined, "over the count: b, the least recent, went");
  t.same([lru.size, lru.weight], [3, 6]);
  lru.set("e", "vvvvvv");
  t.equal(lru.get("c"), undefined, "over the weight: the oldest went, until the rest fits");
  t.same([lru.get("a"), lru.get("d"), lru.get("e")], ["xx", "ww", "vvvvvv"]);
  t.equal(lru.weight, 10);
  lru.set("f", "u".repeat(20));
  t.same([lru.size, lru.get("f")], [1, "u".repeat(20)], "a value alone over the weight is still kept");
  lru.delete("f");
  t.same([lru.size, lru.weight], [0, 0]);
});
