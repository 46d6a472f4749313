"""State roots of state-test pre-states as pyquarkchain builds them (new_statetest_utils.init_state:
mock Ethereum accounts for GeneralStateTests, QuarkChain accounts for QuarkChainStateTests), for
test/state/prestate-roots.test.ts.

  QKC_INTEROP_HOME=/work/qkc-interop /work/shared/interop/run.sh test/state/vectors/prestate-roots.py \
      /work/shared/fixtures/state-tests EVERY > test/state/vectors/prestate-roots.pyquarkchain.json

Takes every EVERY-th GeneralStateTests file (sorted paths; the stored vectors: EVERY=1) and every
QuarkChainStateTests file.
"""
import json
import os
import sys
from fractions import Fraction

from quarkchain.env import DEFAULT_ENV
from quarkchain.evm.tests.new_statetest_utils import init_state

root_dir, every = sys.argv[1], int(sys.argv[2])
qkc_env = DEFAULT_ENV.copy()
qkc_env.quark_chain_config.REWARD_TAX_RATE = Fraction(0)


def files(sub):
    out = []
    for d, _, names in os.walk(os.path.join(root_dir, sub)):
        out += [os.path.join(d, n) for n in names if n.endswith(".json")]
    return sorted(out)


picked = files("GeneralStateTests")[::every] + files("QuarkChainStateTests")
result = {}
for path in picked:
    rel = os.path.relpath(path, root_dir)
    for name, test in json.load(open(path)).items():
        if "env" not in test:
            continue
        is_qkc = rel.startswith("QuarkChainStateTests")
        state = init_state(test["env"], test["pre"], is_qkc, qkc_env=qkc_env)
        result[rel + "::" + name] = state.trie.root_hash.hex()
json.dump(result, sys.stdout, indent=1, sort_keys=True)
print()
