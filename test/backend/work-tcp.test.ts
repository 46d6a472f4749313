import t from "tap";
import { randomBytes } from "node:crypto";
import { minorBlockHash } from "../../src/backend/genesis.ts";
import { searchNonces } from "../../src/consensus/pow-search.ts";
import { minePow } from "../../src/consensus/seal.ts";
import { hex } from "./chain-helpers.ts";
import { SHARD, bootMiningSlave, miningNetwork } from "./mining-helpers.ts";

/*
 * GET_WORK / SUBMIT_WORK over real TCP for a shard with REMOTE_MINE (slave.py handle_get_work,
 * handle_submit_work over miner.py's get_work / submit_work): the work is cached by header hash
 * and by coinbase; a seal for it makes the block, which goes to the master; an unknown header
 * hash, a wrong nonce or mix hash, and work whose tip has moved answer (0, false); a shard not
 * here or mined locally answers error 1.
 */

const branch = { value: SHARD };
const NOT_LOCAL = { value: 0x10001 };
const zeroWork = { error_code: 1, header_hash: new Uint8Array(32), height: 0n, difficulty: 0n };
const otherCoinbase = { recipient: new Uint8Array(20).fill(0x33), full_shard_key: 0 };

t.test("POW_DOUBLESHA256 with REMOTE_MINE: work, seals good and bad", async (t) => {
  const config = miningNetwork("POW_DOUBLESHA256", { difficulty: 1000, remote: true });
  const { master, shard } = await bootMiningSlave(t, config);
  const getWork = (coinbase_addr: typeof otherCoinbase | null = null, b = branch) =>
    master.call("GET_WORK_REQUEST", { branch: b, coinbase_addr });
  const submit = (header_hash: Uint8Array, nonce: bigint, b = branch) =>
    master.call("SUBMIT_WORK_REQUEST", { branch: b, header_hash, nonce, mixhash: new Uint8Array(32), signature: null });

  const work = await getWork();
  const eco = await master.call("GET_ECO_INFO_LIST_REQUEST", {});
  t.same([work.error_code, work.height], [0, 1n], "work for height 1");
  t.equal(work.difficulty, eco.eco_info_list[0]!.difficulty, "at the next block's difficulty");
  t.equal(hex((await getWork()).header_hash), hex(work.header_hash), "the same work again for the same coinbase");
  const other = await getWork(otherCoinbase);
  t.not(hex(other.header_hash), hex(work.header_hash), "another coinbase, another block");

  t.same(await submit(randomBytes(32), 1n), { error_code: 0, success: false }, "unknown header hash");
  const seal = (hash: Uint8Array) =>
    searchNonces({ algorithm: "DOUBLESHA256", height: 1n, hashForMining: hash, difficulty: work.difficulty }, 0n, 1e6)!;
  const good = seal(work.header_hash);
  let bad = good.nonce + 1n;
  while (
    searchNonces(
      { algorithm: "DOUBLESHA256", height: 1n, hashForMining: work.header_hash, difficulty: work.difficulty },
      bad,
      1,
    )
  )
    bad++;
  t.same(await submit(work.header_hash, bad), { error_code: 0, success: false }, "a nonce that misses the target");
  t.equal(shard.headerTip.height, 0n, "nothing added");

  t.same(await submit(work.header_hash, good.nonce), { error_code: 0, success: true }, "the seal found");
  t.equal(shard.headerTip.height, 1n, "the block is the tip");
  const report = master.headerReports.at(-1)!.minor_block_header;
  t.same(
    [report.height, report.nonce, hex(report.coinbase_address.recipient), report.coinbase_address.full_shard_key],
    [1n, good.nonce, hex(new Uint8Array(20)), SHARD],
    "its header went to the master (the empty COINBASE_ADDRESS mines to this shard)",
  );
  t.equal(hex(minorBlockHash(report)), hex(shard.tipHash));

  t.same(await submit(work.header_hash, good.nonce), { error_code: 0, success: false }, "the same work twice");
  t.same(
    await submit(other.header_hash, seal(other.header_hash).nonce),
    { error_code: 0, success: false },
    "a good seal on work whose tip has moved",
  );
  const next = await getWork();
  t.same([next.error_code, next.height], [0, 2n], "new work on the new tip");

  t.same(await getWork(null, NOT_LOCAL), zeroWork, "GET_WORK for a shard not here: error 1");
  t.same(await submit(next.header_hash, 0n, NOT_LOCAL), { error_code: 1, success: false }, "SUBMIT_WORK likewise");
});

t.test("POW_QKCHASH with REMOTE_MINE: a wrong mix hash is refused, the right one makes the block", async (t) => {
  const config = miningNetwork("POW_QKCHASH", { difficulty: 10, remote: true });
  const { master, shard } = await bootMiningSlave(t, config);
  const work = await master.call("GET_WORK_REQUEST", { branch, coinbase_addr: null });
  t.equal(work.error_code, 0);
  const found = minePow("QKCHASH", work.height, work.header_hash, work.difficulty, 0n, 100_000)!;
  const submit = (mixhash: Uint8Array) =>
    master.call("SUBMIT_WORK_REQUEST", {
      branch,
      header_hash: work.header_hash,
      nonce: found.nonce,
      mixhash,
      signature: null,
    });
  const wrongMix = Uint8Array.from(found.mixhash, (b, i) => (i === 0 ? b ^ 1 : b));
  t.same(await submit(wrongMix), { error_code: 0, success: false }, "wrong mix hash: invalid pow proof");
  t.same(await submit(found.mixhash), { error_code: 0, success: true }, "the nonce with its mix hash");
  t.equal(shard.headerTip.height, 1n);
  t.equal(hex(shard.tip.header.mixhash), hex(found.mixhash));
});

t.test("GET_WORK's difficulty is PoSW's for the coinbase, and a seal meeting it makes the block", async (t) => {
  // slave.py get_work: posw_diff_adjust(block) replaces the difficulty when it differs.
  const staker = { recipient: new Uint8Array(20).fill(0x11), full_shard_key: 0 };
  const posw = { ENABLED: true, ENABLE_TIMESTAMP: 0, DIFF_DIVIDER: 1000, WINDOW_SIZE: 4, TOTAL_STAKE_PER_BLOCK: 1e18 };
  const alloc = { [Buffer.from(staker.recipient).toString("hex") + "00000000"]: { QKC: 2e18 } };
  const config = miningNetwork("POW_DOUBLESHA256", { difficulty: 20_000, remote: true, posw, alloc });
  const { master, shard } = await bootMiningSlave(t, config);
  const staked = await master.call("GET_WORK_REQUEST", { branch, coinbase_addr: staker });
  const unstaked = await master.call("GET_WORK_REQUEST", { branch, coinbase_addr: otherCoinbase });
  t.same([staked.error_code, staked.difficulty], [0, 20n], "a staker's work: 20000 / DIFF_DIVIDER");
  t.same([unstaked.error_code, unstaked.difficulty], [0, 20_000n], "no stake: the block's difficulty");
  const work = { algorithm: "DOUBLESHA256" as const, height: 1n, hashForMining: staked.header_hash };
  const easy = searchNonces({ ...work, difficulty: 20n }, 0n, 1e6)!;
  t.ok(!searchNonces({ ...work, difficulty: 20_000n }, easy.nonce, 1), "a seal that meets 20 only");
  const res = await master.call("SUBMIT_WORK_REQUEST", {
    branch,
    header_hash: staked.header_hash,
    nonce: easy.nonce,
    mixhash: new Uint8Array(32),
    signature: null,
  });
  t.same(res, { error_code: 0, success: true }, "validate_block checks it at the PoSW difficulty");
  t.equal(hex(shard.tip.header.coinbase_address.recipient), hex(staker.recipient));
});

t.test("a shard mined here answers GET_WORK and SUBMIT_WORK with error 1 (miner.py: remote only)", async (t) => {
  const config = miningNetwork("POW_DOUBLESHA256", { difficulty: 1000, remote: false });
  const { master } = await bootMiningSlave(t, config);
  t.same(await master.call("GET_WORK_REQUEST", { branch, coinbase_addr: null }), zeroWork);
  t.same(
    await master.call("SUBMIT_WORK_REQUEST", {
      branch,
      header_hash: randomBytes(32),
      nonce: 1n,
      mixhash: new Uint8Array(32),
      signature: null,
    }),
    { error_code: 1, success: false },
  );
});
