"""
QuarkChain's per-frame token rules (EXECUTION.md §2.2) on hand-assembled contracts, run through
pyquarkchain's messages.apply_msg, for test/evm/token-rules.test.ts. Regenerate with:
  QKC_INTEROP_HOME=/work/qkc-interop /work/shared/interop/run.sh test/evm/token-rules-oracle.py > test/evm/fixtures/token-rules-oracle.json
"""
import json
from quarkchain.env import DEFAULT_ENV
from quarkchain.evm.state import State
from quarkchain.evm import vm
from quarkchain.evm.messages import apply_msg, VMExt
from quarkchain.utils import token_id_encode

QKC = token_id_encode("QKC")
QI = 0x1234
CALLER = bytes.fromhex("00" * 19 + "0a")
C = bytes.fromhex("00" * 19 + "cc")
D = bytes.fromhex("00" * 19 + "dd")
MNT = "73000000000000000000000000000000514b430001"
PD = "73" + D.hex()
# CALL-like prologue: retSize retOffset argSize argOffset [value] to gas
def call(op, to, value=None):
    v = "" if value is None else "60%02x" % value
    return "6000600060006000" + v + to + "61ffff" + op
STORE0 = "600055"  # SSTORE(0, top)


def run(name, code, value, token, gas=200000, c_balances=None, d_code=""):
    env = DEFAULT_ENV.copy()
    state = State(qkc_config=env.quark_chain_config, timestamp=1000)
    state.set_token_balance(CALLER, QKC, 10 ** 18)
    state.set_token_balance(CALLER, QI, 100)
    for t, v in (c_balances or {}).items():
        state.set_token_balance(C, t, v)
    state.set_code(C, bytes.fromhex(code))
    if d_code:
        state.set_code(D, bytes.fromhex(d_code))
    state.commit()
    msg = vm.Message(CALLER, C, value, gas, b"", code_address=C, to_full_shard_key=0,
                     transfer_token_id=token, gas_token_id=QKC)
    ext = VMExt(state, CALLER, 1)
    res, gas_left, out = apply_msg(ext, msg)
    after = {}
    for a in (CALLER, C, D):
        after[a.hex()] = {
            "balances": {str(k): str(v) for k, v in state.get_balances(a).items() if v},
            "slot0": str(state.get_storage_data(a, 0)),
        }
    print(json.dumps({"name": name, "code": code, "dCode": d_code, "value": value, "token": token, "gas": gas,
                      "cBalances": {str(k): str(v) for k, v in (c_balances or {}).items()},
                      "result": res, "gasLeft": gas_left, "output": bytes(out).hex(),
                      "suicides": [s.hex() for s in state.suicides], "after": after}) + ",")


print("[")
run("QI into STOP code fails, gas kept", "00", 7, QI)
run("QI into code with no STOP fails too", "6001" + STORE0, 7, QI)
run("QI into code that CALLs current_mnt_id succeeds", call("f1", MNT, 0) + "50" + "6001" + STORE0, 7, QI)
run("STATICCALL to current_mnt_id counts as asking", call("fa", MNT) + "50" + "6001" + STORE0, 7, QI)
run("DELEGATECALL to current_mnt_id does not count", call("f4", MNT) + "50" + "6001" + STORE0, 7, QI)
run("CALLCODE to current_mnt_id does not count", call("f2", MNT, 0) + "50" + "6001" + STORE0, 7, QI)
run("a zero QI value never fails", "6001" + STORE0, 0, QI)
run("QKC value is never refused", "6001" + STORE0, 7, QKC)
run("forwarding QI by CALL: the check reads QKC, the QI move fails, the forwarded gas is gone",
    call("f1", PD, 50) + STORE0, 0, QI, c_balances={QKC: 100, QI: 5})
run("forwarding QI held only as QI: CALL's balance check fails first",
    call("f1", PD, 3) + STORE0, 0, QI, c_balances={QI: 5})
run("a child that did not ask fails its own QI frame, the parent carries on",
    call("f1", MNT, 0) + "50" + call("f1", PD, 2) + STORE0, 7, QI, c_balances={QKC: 10}, d_code="6001600155")
run("SELFDESTRUCT moves QKC only", PD + "ff", 0, QKC, c_balances={QKC: 7, QI: 9})
run("CREATE under a QI frame fails and keeps the gas", "600060006000f0" + STORE0 + "5a600155", 0, QI)
run("CREATE2 under a QKC frame creates", "6000600060006000f5" + STORE0, 0, QKC)
print('{"name": "end"}]')
