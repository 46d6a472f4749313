"""EXECUTION.md 2.1 [run], through pyquarkchain's apply_transaction on its State: an account first read by a
transaction keeps that transaction's to_full_shard_key, and the coinbase takes the first transaction's key.
Expected values for test/state/full-shard-key-txs.test.ts:

  QKC_INTEROP_HOME=/work/qkc-interop /work/shared/interop/run.sh test/state/vectors/full-shard-key-txs.py \
      > test/state/vectors/full-shard-key-txs.pyquarkchain.json
"""
import json, sys
from quarkchain.env import DEFAULT_ENV
from quarkchain.evm.state import State
from quarkchain.evm.messages import apply_transaction
from quarkchain.evm.transactions import Transaction
from quarkchain.db import InMemoryDb
from quarkchain.evm.config import Env
from quarkchain.utils import token_id_encode

QKC = token_id_encode("QKC")
KEY = bytes.fromhex("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8")
COINBASE = b"\xc0" * 20
C = b"\xcc" * 20
X = b"\x11" * 20
qkc = DEFAULT_ENV.quark_chain_config
db = InMemoryDb()
state = State(env=Env(db=db), db=db, qkc_config=qkc)
state.timestamp = 100
state.block_coinbase = COINBASE
state.gas_limit = 10 ** 7
out = {}

def tx(nonce, to, value, to_key, data=b""):
    t = Transaction(nonce, 3, 100000, to, value, data, QKC, QKC, from_full_shard_key=0, to_full_shard_key=to_key, network_id=qkc.NETWORK_ID)
    t.sign(KEY)
    t.set_quark_chain_config(qkc)
    return t

sender = tx(0, X, 0, 0).sender
state.full_shard_key = 2
state.set_token_balance(sender, QKC, 10 ** 18)
state.set_code(C, bytes([0x73]) + X + bytes([0x31, 0x50, 0x00]))  # PUSH20 X BALANCE POP STOP
state.commit()
out["pre"] = state.trie.root_hash.hex()
out["sender_address"] = sender.hex()
# EXECUTION.md 2.1 [run]: tx1 (to_full_shard_key 4) reads X's balance; tx2 (key 0) sends X 7 QKC.
r1 = apply_transaction(state, tx(0, C, 0, 4), b"\x01" * 32)
r2 = apply_transaction(state, tx(1, X, 7, 0), b"\x02" * 32)
out["results"] = [[r1[0], r1[1].hex()], [r2[0], r2[1].hex()]]
out["gas_used"] = state.gas_used
state.commit()
out["root"] = state.trie.root_hash.hex()
for name, a in (("x", X), ("coinbase", COINBASE), ("sender", sender), ("c", C)):
    v = state.trie.get(a)
    out[name] = v.hex() if v else None
json.dump(out, sys.stdout, indent=1)
print()
