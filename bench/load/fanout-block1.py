"""Block 1 of the fan-out workload's chain, made by pyquarkchain's own ShardState.

Block 1 is the first on root block 1, so it carries that root block's coinbase deposit
(XshardTxCursor: one always exists, of value 0 here). qkc-slave checks no receipt root and
accepts any, but pyquarkchain runs the deposit and checks the receipt it makes; our miner
cannot make that receipt, so pyquarkchain makes this one block (blocks 2, 3, ... carry no
deposit). Run through the interop drivers' run.sh (their venv and PYTHONPATH):

  run.sh bench/load/fanout-block1.py  <  {"chain_size", "root1", "miner", "create_time"}  (hex bytes)
  stdout: {"genesis_root_hash", "block"} (hex)
"""
import json
import sys

import qkc_compat  # noqa: F401  (the interop drivers' shims)
from qkc_harness_common import genesis_root_block, make_env

from quarkchain.cluster.shard_state import ShardState
from quarkchain.core import Address, RootBlock
from quarkchain.db import InMemoryDb

args = json.load(sys.stdin)
env = make_env(args["chain_size"], 1)
genesis_root = genesis_root_block(env)
shard = ShardState(env, 1, InMemoryDb())
shard.init_genesis_state(genesis_root)
shard.add_root_block(RootBlock.deserialize(bytes.fromhex(args["root1"])))
block = shard.create_block_to_mine(
    create_time=args["create_time"], address=Address(bytes.fromhex(args["miner"]), 0), include_tx=False
)
block.tracking_data = b""
shard.finalize_and_add_block(block, validate_time=False)
block = shard.db.get_minor_block_by_hash(block.header.get_hash())
json.dump({"genesis_root_hash": genesis_root.header.get_hash().hex(), "block": block.serialize().hex()}, sys.stdout)
