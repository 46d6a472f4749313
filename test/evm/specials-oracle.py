"""
QuarkChain's specials 0x…514b430001–05 run through pyquarkchain's own messages.apply_msg, for
test/evm/specials.test.ts. Regenerate with:
  QKC_INTEROP_HOME=/work/qkc-interop /work/shared/interop/run.sh test/evm/specials-oracle.py > test/evm/fixtures/specials-oracle.json
Each scenario: a message from CALLER to a special with some data and gas; the answer (result, gas left,
output) and the balances and nonces it leaves.
"""
import json
from quarkchain.env import DEFAULT_ENV
from quarkchain.evm.state import State
from quarkchain.evm import vm
from quarkchain.evm.messages import apply_msg, VMExt
from quarkchain.evm.specials import specials, configure_special_contract_ts, _system_contracts, SystemContract, configure_system_contract_ts
from quarkchain.utils import token_id_encode

QKC = token_id_encode("QKC")
QI = 0x1234
CALLER = bytes.fromhex("00" * 19 + "0a")
OTHER = bytes.fromhex("00" * 19 + "dd")
SPECIAL = lambda n: bytes.fromhex("000000000000000000000000000000514b4300" + "%02x" % n)
word = lambda x: x.to_bytes(32, "big")


def run(name, special, data, gas, value=0, token=QKC, timestamp=1000, setup=None, watch=()):
    env = DEFAULT_ENV.copy()
    state = State(qkc_config=env.quark_chain_config, timestamp=timestamp)
    state.set_token_balance(CALLER, QKC, 10 ** 18)
    state.set_token_balance(CALLER, QI, 10)
    if setup:
        setup(state)
    state.commit()
    msg = vm.Message(CALLER, SPECIAL(special), value, gas, data, code_address=SPECIAL(special),
                     to_full_shard_key=0, transfer_token_id=token, gas_token_id=QKC)
    ext = VMExt(state, CALLER, 1)
    res, gas_left, out = apply_msg(ext, msg)
    after = {}
    for a in (CALLER, OTHER, SPECIAL(special)) + tuple(watch):
        after[a.hex()] = {
            "nonce": state.get_nonce(a),
            "balances": {str(k): str(v) for k, v in state.get_balances(a).items() if v},
            "code": state.get_code(a).hex()[:16],
        }
    print(json.dumps({"name": name, "special": special, "data": data.hex(), "gas": gas, "value": value,
                      "token": token, "timestamp": timestamp, "mntTs": str(specials[SPECIAL(4)][1]), "result": res, "gasLeft": gas_left,
                      "output": bytes(out).hex(), "after": after}) + ",")


print("[")
run("current_mnt_id answers the transfer token", 1, b"", 100, token=QI)
run("current_mnt_id out of gas", 1, b"", 2)
run("transfer_mnt: QI to a blank account, 9000 + 25000, the stipend gained", 2, word(0xdd) + word(QI) + word(3), 50000)
run("transfer_mnt: zero value costs nothing", 2, word(0xdd) + word(QI) + word(0), 50000)
run("transfer_mnt: too little balance keeps the gas but fails", 2, word(0xdd) + word(QI) + word(11), 50000)
run("transfer_mnt: to itself is refused", 2, word(0x514b430002) + word(QI) + word(1), 50000)
run("transfer_mnt: short input", 2, word(0xdd) + word(QI), 50000)
run("transfer_mnt: not enough gas for the new account", 2, word(0xdd) + word(QI) + word(1), 33999)
run("transfer_mnt: token id above TOKEN_ID_MAX", 2, word(0xdd) + word(4873763662273663092) + word(1), 50000)
run("deploy_system_contract: ROOT_CHAIN_POSW (index 0 means 1)", 3, b"", 1000000,
    watch=(bytes.fromhex("514b430000000000000000000000000000000001"),))
run("deploy_system_contract: NON_RESERVED is not enabled", 3, word(2), 1000000)
run("deploy_system_contract: no such contract", 3, word(4), 1000000)
run("deploy_system_contract: out of gas", 3, word(1), 2)
run("mint_mnt is off by default: empty code answers", 4, word(0xdd) + word(QI) + word(5), 50000)
run("balance_mnt is off by default", 5, word(0x0a) + word(QI), 50000)
configure_special_contract_ts(specials, SPECIAL(4), 0)
configure_special_contract_ts(specials, SPECIAL(5), 0)
run("mint_mnt: only the NON_RESERVED contract may mint", 4, word(0xdd) + word(QI) + word(5), 50000)
run("mint_mnt: zero amount", 4, word(0xdd) + word(QI) + word(0), 50000)
run("balance_mnt: the caller's QI", 5, word(0x0a) + word(QI), 50000)
run("balance_mnt: out of gas", 5, word(0x0a) + word(QI), 399)
run("balance_mnt: timestamp 0 is not after 0", 5, word(0x0a) + word(QI), 50000, timestamp=0)
print('{"name": "end"}]')
