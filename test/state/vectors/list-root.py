"""Roots of the lists trie-list-root.test.ts checks listRoot against: pyquarkchain trie.Trie with
values[i] put under rlp.encode(i) (core.py mk_receipt_sha). Run with QKC_INTEROP_HOME=/work/qkc-interop
/work/shared/interop/run.sh test/state/vectors/list-root.py; the roots are copied into the test."""
import rlp
from quarkchain.evm import trie
from quarkchain.db import InMemoryDb
from quarkchain.utils import sha3_256

def value(i):
    v = (sha3_256(b"list-root" + str(i).encode()) * 12)[: ((i * 37) % 300) + 1]
    return v
for n in [1, 2, 17, 128, 129, 300, 700]:
    t = trie.Trie(InMemoryDb())
    for i in range(n):
        t.update(rlp.encode(i), value(i))
    print(n, t.root_hash.hex())
