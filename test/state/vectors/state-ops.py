"""Runs the world-state scenarios of scenarios.json through pyquarkchain's own State
(quarkchain/evm/state.py) and prints what each recording op saw, as JSON: the expected
values test/state/scenarios.test.ts checks WorldState against.

  QKC_INTEROP_HOME=/work/qkc-interop /work/shared/interop/run.sh test/state/vectors/state-ops.py \
      test/state/vectors/scenarios.json > test/state/vectors/scenarios.pyquarkchain.json
"""
import json
import sys

from quarkchain.db import InMemoryDb
from quarkchain.evm.config import Env
from quarkchain.evm.state import State


def addr(n):
    return n.to_bytes(20, "big")


def run(scenario):
    db = InMemoryDb()
    mock = scenario.get("mock", False)
    state = State(env=Env(db=db), db=db, use_mock_evm_account=mock)
    snaps = []
    out = []
    for op in scenario["ops"]:
        name, args = op[0], op[1:]
        if name == "key":
            state.full_shard_key = args[0]
        elif name == "get":
            out.append(str(state.get_balance(addr(args[0]), token_id=args[1])))
        elif name == "add":
            state.delta_token_balance(addr(args[0]), args[1], int(args[2]))
        elif name == "set":
            state.set_token_balance(addr(args[0]), args[1], int(args[2]))
        elif name == "nonce":
            state.set_nonce(addr(args[0]), args[1])
        elif name == "get_nonce":
            out.append(str(state.get_nonce(addr(args[0]))))
        elif name == "code":
            state.set_code(addr(args[0]), bytes.fromhex(args[1]))
        elif name == "get_code":
            out.append(state.get_code(addr(args[0])).hex())
        elif name == "sstore":
            state.set_storage_data(addr(args[0]), int(args[1]), int(args[2]))
        elif name == "sload":
            out.append(str(state.get_storage_data(addr(args[0]), int(args[1]))))
        elif name == "reset_storage":
            state.reset_storage(addr(args[0]))
        elif name == "del":
            state.del_account(addr(args[0]))
        elif name == "snap":
            snaps.append(state.snapshot())
        elif name == "revert":
            state.revert(snaps.pop())
        elif name == "drop":
            snaps.pop()
        elif name == "exists":
            out.append(state.account_exists(addr(args[0])))
        elif name == "fsk":
            out.append(state.get_full_shard_key(addr(args[0])))
        elif name == "balances":
            out.append({str(k): str(v) for k, v in sorted(state.get_balances(addr(args[0])).items())})
        elif name == "commit":
            state.commit(allow_empties=bool(args and args[0]))
            out.append(state.trie.root_hash.hex())
        elif name == "raw":
            v = state.trie.get(addr(args[0]))
            out.append(v.hex() if v else None)
        elif name == "reopen":
            root = state.trie.root_hash
            key = state.full_shard_key
            state = State(root=root, env=Env(db=db), db=db, use_mock_evm_account=mock)
            state.full_shard_key = key
        else:
            raise ValueError("unknown op " + name)
    return out


scenarios = json.load(open(sys.argv[1]))
json.dump({s["name"]: run(s) for s in scenarios}, sys.stdout, indent=1)
print()
