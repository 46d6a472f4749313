#!/usr/bin/env python3
"""GET_WORK / SUBMIT_WORK / MINE answers of one slave, asked by pyquarkchain's master-side
connection (the shared py_master.py harness with one more session step, "work"): work for the
default coinbase, the same again, a seal for an unknown header hash, a nonce that misses the
target, the nonce that meets it, that nonce again, work on the new tip, both ops for a shard the
slave lacks, MINE on and off. Every answer is printed as a JSON line without what differs from run
to run (header hashes), so two slaves' outputs can be compared line for line
(scripts/work-interop.sh runs pyquarkchain's real slave and qkc-slave on the same config).

Run through the shared interop tools (pyquarkchain importable):
  run.sh interop/work_answers.py --port PORT --chain-size 1 --shard-size 1 --network-id 3 \\
      session --steps '[["ping",{"root_tip":true}],["work",{}]]'
The slave's shard 1 must be POW_DOUBLESHA256 with CONSENSUS_CONFIG.REMOTE_MINE (see work-interop.sh).
"""
import hashlib
import os
import sys

sys.path.insert(0, os.environ.get("QKC_INTEROP_TOOLS", ""))
import py_master as pm  # noqa: E402
from quarkchain.cluster.protocol import ClusterMetadata, ROOT_BRANCH  # noqa: E402
from quarkchain.cluster.rpc import (  # noqa: E402
    ArtificialTxConfig,
    ClusterOp,
    GetWorkRequest,
    MineRequest,
    SubmitWorkRequest,
)
from quarkchain.core import Branch  # noqa: E402


def nonce(header_hash, difficulty, meets):
    """The first nonce from 0 whose double sha256 meets (or misses) the target (miner.py DoubleSHA256)."""
    target = (2 ** 256 // (difficulty or 1) - 1).to_bytes(32, "big")
    n = 0
    while (hashlib.sha256(hashlib.sha256(header_hash + n.to_bytes(8, "big")).digest()).digest() < target) != meets:
        n += 1
    return n


async def step_work(ctx, p):
    md = ClusterMetadata(ROOT_BRANCH, 0)

    async def rpc(op, req):
        _, resp, _ = await ctx.conn.write_rpc_request(op, req, metadata=md)
        return resp

    async def work(what, branch=1):
        w = await rpc(ClusterOp.GET_WORK_REQUEST, GetWorkRequest(Branch(branch), None))
        pm.out("answer", what=what, error_code=w.error_code, height=w.height, difficulty=w.difficulty,
               zero_hash=w.header_hash == bytes(32))
        return w

    async def submit(what, header_hash, n, branch=1):
        r = await rpc(ClusterOp.SUBMIT_WORK_REQUEST, SubmitWorkRequest(Branch(branch), header_hash, n, bytes(32), None))
        pm.out("answer", what=what, error_code=r.error_code, success=r.success)

    w = await work("work")
    if w.error_code != 0:
        raise pm.CheckFailed("no work for shard 1: no seal to try")
    again = await work("work again")
    pm.out("answer", what="the same work again", same=again.header_hash == w.header_hash)
    await submit("unknown header hash", bytes([0x11] * 32), 5)
    await submit("a nonce that misses", w.header_hash, nonce(w.header_hash, w.difficulty, False))
    good = nonce(w.header_hash, w.difficulty, True)
    await submit("the nonce that meets the target", w.header_hash, good)
    await submit("the same seal again", w.header_hash, good)
    await work("work on the new tip")
    await work("work for a shard not here", branch=0x10001)
    await submit("a seal for a shard not here", w.header_hash, good, branch=0x10001)
    for mining in (True, True, False, False):
        r = await rpc(ClusterOp.MINE_REQUEST, MineRequest(ArtificialTxConfig(60, 10), mining))
        pm.out("answer", what="MINE mining={}".format(mining), error_code=r.error_code)


pm.STEPS["work"] = step_work

if __name__ == "__main__":
    pm.main()
