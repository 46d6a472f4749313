"""EXECUTION.md 2.2 [run], through pyquarkchain's apply_transaction on its State: a contract holding 7 QKC and
9 QI self-destructs to B; B gets the 7 QKC, the QI is burnt by del_account, the contract is gone. Expected values
for test/state/selfdestruct-tokens-tx.test.ts:

  QKC_INTEROP_HOME=/work/qkc-interop /work/shared/interop/run.sh test/state/vectors/selfdestruct-tokens-tx.py \
      > test/state/vectors/selfdestruct-tokens-tx.pyquarkchain.json
"""
import json
import sys

from quarkchain.db import InMemoryDb
from quarkchain.env import DEFAULT_ENV
from quarkchain.evm.config import Env
from quarkchain.evm.messages import apply_transaction
from quarkchain.evm.state import State
from quarkchain.evm.transactions import Transaction
from quarkchain.utils import token_id_encode

QKC = token_id_encode("QKC")
QI = token_id_encode("QI")
KEY = bytes.fromhex("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8")
COINBASE = b"\xc0" * 20
S = b"\x5d" * 20
B = b"\xbe" * 20
qkc = DEFAULT_ENV.quark_chain_config
db = InMemoryDb()
state = State(env=Env(db=db), db=db, qkc_config=qkc)
state.timestamp = 100
state.block_coinbase = COINBASE
state.gas_limit = 10 ** 7

t = Transaction(0, 3, 100000, S, 0, b"", QKC, QKC, from_full_shard_key=0, to_full_shard_key=0, network_id=qkc.NETWORK_ID)
t.sign(KEY)
t.set_quark_chain_config(qkc)
out = {"sender_address": t.sender.hex()}
state.set_token_balance(t.sender, QKC, 10 ** 18)
state.set_token_balance(S, QKC, 7)
state.set_token_balance(S, QI, 9)
state.set_code(S, bytes([0x73]) + B + bytes([0xFF]))  # PUSH20 B SELFDESTRUCT
state.commit()
out["pre"] = state.trie.root_hash.hex()
success, output = apply_transaction(state, t, b"\x01" * 32)
out["success"] = success
out["gas_used"] = state.gas_used
state.commit()
out["root"] = state.trie.root_hash.hex()
for name, a in (("s", S), ("b", B), ("coinbase", COINBASE), ("sender", t.sender)):
    v = state.trie.get(a)
    out[name] = v.hex() if v else None
json.dump(out, sys.stdout, indent=1)
print()
