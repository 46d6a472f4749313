"""Writes scenarios.json: world-state scenarios as op lists (ops: see state-ops.py).
Plain python, no pyquarkchain needed: `python3 make-scenarios.py > scenarios.json`."""
import json

QKC = 35760
T = [1000 + i for i in range(17)]  # 17 token ids


def tokens(a, ids, v=lambda i: 100 + i):
    return [["add", a, t, str(v(i))] for i, t in enumerate(ids)]


S = []


def sc(name, ops, mock=False):
    S.append({"name": name, "mock": mock, "ops": ops})


sc("two tokens, key with non-shard bits", [["key", 0x10002], ["add", 1, QKC, "10"], ["add", 1, 990, str(2**70)], ["commit"], ["raw", 1], ["fsk", 1]])
sc("16 tokens stay a list", tokens(1, T[:16]) + [["commit"], ["raw", 1]])
sc("17 tokens move to a trie, which stays after shrinking to one and to none",
   tokens(1, T[:16]) + [["commit"], ["raw", 1], ["add", 1, T[16], "123"], ["commit"], ["raw", 1], ["balances", 1]]
   + [["set", 1, t, "0"] for t in T[:16]] + [["get", 1, T[0]], ["balances", 1], ["commit"], ["raw", 1], ["exists", 1]]
   + [["set", 1, T[16], "0"], ["commit"], ["raw", 1], ["exists", 1], ["reopen"], ["exists", 1], ["get", 1, T[16]], ["balances", 1],
      ["add", 1, QKC, "5"], ["commit"], ["raw", 1]])
sc("the count that matters is the one at commit", tokens(1, T) + [["set", 1, T[3], "0"], ["commit"], ["raw", 1]])
sc("a trie account read back token by token", tokens(1, T) + [["commit"], ["reopen"], ["get", 1, T[3]], ["get", 1, 5],
   ["set", 1, T[3], "7"], ["add", 1, T[4], "1"], ["commit"], ["raw", 1], ["balances", 1]])
sc("a map of zeros serializes as 0x00c0", [["nonce", 1, 1], ["add", 1, QKC, "5"], ["commit"], ["raw", 1], ["reopen"],
   ["add", 1, QKC, "-5"], ["commit"], ["raw", 1], ["reopen"], ["add", 1, QKC, "0"], ["commit"], ["raw", 1],
   ["nonce", 2, 1], ["add", 2, 7, "3"], ["add", 2, 7, "-3"], ["commit"], ["raw", 2]])
sc("full_shard_key fixed at the first read", [["key", 4], ["get", 7, QKC], ["key", 0], ["add", 7, QKC, "7"], ["commit"], ["raw", 7], ["fsk", 7]])
sc("full_shard_key kept across a revert", [["key", 4], ["snap"], ["get", 8, QKC], ["exists", 8], ["revert"], ["key", 0], ["add", 8, QKC, "3"],
   ["fsk", 8], ["commit"], ["raw", 8]])
sc("the state's key itself is restored by revert", [["key", 1], ["snap"], ["key", 2], ["revert"], ["add", 9, QKC, "1"], ["commit"], ["raw", 9]])
sc("a stored account keeps its stored key", [["key", 5], ["add", 9, QKC, "1"], ["commit"], ["key", 6], ["add", 9, QKC, "1"], ["commit"], ["raw", 9], ["fsk", 9]])
sc("touched blank accounts are deleted, untouched reads never written",
   [["add", 3, QKC, "0"], ["get", 4, QKC], ["sload", 4, 1], ["commit"], ["add", 3, QKC, "5"], ["commit"], ["raw", 3],
    ["add", 3, QKC, "-5"], ["commit"], ["raw", 3], ["set", 5, QKC, "0"], ["nonce", 6, 0], ["code", 7, ""], ["commit"]])
sc("storage alone does not keep an account", [["sstore", 3, 1, "9"], ["commit"], ["raw", 3]])
sc("blank accounts kept with allow_empties", [["add", 3, QKC, "0"], ["nonce", 4, 0], ["commit", True], ["raw", 3], ["raw", 4]])
sc("del_account wipes tokens, nonce, code, storage",
   [["key", 2], ["code", 5, "6001"], ["nonce", 5, 1], ["sstore", 5, 1, "2"], ["add", 5, QKC, "7"], ["add", 5, 99, "9"], ["commit"], ["raw", 5],
    ["del", 5], ["exists", 5], ["get", 5, 99], ["sload", 5, 1], ["get_code", 5], ["commit"], ["raw", 5]])
sc("del_account then funded again in the block keeps the first key and loses the storage",
   [["key", 2], ["nonce", 5, 1], ["sstore", 5, 1, "2"], ["add", 5, QKC, "7"], ["commit"], ["key", 3], ["get", 6, QKC], ["del", 5], ["del", 6],
    ["add", 5, QKC, "1"], ["add", 6, QKC, "1"], ["commit"], ["raw", 5], ["raw", 6]])
sc("del_account of a token-trie account", tokens(5, T) + [["nonce", 5, 3], ["commit"], ["raw", 5], ["del", 5], ["exists", 5], ["commit"], ["raw", 5]])
sc("reverting del_account loses the list balances (State's _balance typo)",
   [["add", 11, QKC, "5"], ["add", 11, 77, "3"], ["nonce", 11, 2], ["commit"], ["snap"], ["del", 11], ["revert"], ["get", 11, QKC], ["get", 11, 77],
    ["get_nonce", 11], ["exists", 11], ["commit"], ["raw", 11], ["snap"], ["del", 11], ["revert"], ["add", 11, 77, "1"], ["commit"], ["raw", 11]])
sc("reverting del_account of a trie account brings the trie back",
   tokens(11, T) + [["commit"], ["snap"], ["del", 11], ["revert"], ["get", 11, T[2]], ["add", 11, T[0], "1"], ["commit"], ["raw", 11]])
sc("nested snapshots",
   [["add", 1, QKC, "10"], ["snap"], ["add", 1, QKC, "5"], ["sstore", 1, 1, "1"], ["snap"], ["nonce", 1, 5], ["code", 1, "60"], ["revert"],
    ["get_nonce", 1], ["get_code", 1], ["snap"], ["sstore", 1, 2, "2"], ["add", 2, QKC, "1"], ["drop"], ["revert"], ["sload", 1, 1], ["sload", 1, 2],
    ["get", 1, QKC], ["exists", 2], ["snap"], ["add", 1, 5, "6"], ["drop"], ["commit"], ["raw", 1], ["raw", 2]])
sc("a reverted touch leaves a blank account out", [["snap"], ["add", 3, QKC, "0"], ["revert"], ["nonce", 4, 1], ["commit"], ["raw", 3], ["raw", 4]])
sc("storage set, cleared, reset",
   [["sstore", 2, 1, "5"], ["sstore", 2, 2, str(2**255)], ["nonce", 2, 1], ["commit"], ["raw", 2], ["reopen"], ["sload", 2, 1], ["sstore", 2, 1, "0"],
    ["commit"], ["raw", 2], ["reset_storage", 2], ["sload", 2, 2], ["sstore", 2, 3, "7"], ["commit"], ["raw", 2], ["reopen"], ["sload", 2, 2], ["sload", 2, 3]])
sc("reset_storage is reverted", [["sstore", 2, 1, "5"], ["nonce", 2, 1], ["commit"], ["snap"], ["reset_storage", 2], ["sload", 2, 1], ["sstore", 2, 4, "4"],
   ["revert"], ["sload", 2, 1], ["sload", 2, 4], ["add", 2, QKC, "1"], ["commit"], ["raw", 2]])
sc("reset_storage alone does not touch", [["sstore", 2, 1, "5"], ["nonce", 2, 1], ["commit"], ["reset_storage", 2], ["commit"], ["raw", 2],
   ["reset_storage", 2], ["nonce", 2, 2], ["commit"], ["raw", 2]])
sc("code survives a reopen", [["code", 4, "6000600055"], ["commit"], ["reopen"], ["get_code", 4], ["get_nonce", 4], ["raw", 4], ["code", 4, ""], ["commit"], ["raw", 4]])
sc("many accounts over blocks",
   [op for b in range(3) for i in range(40) for op in ([["key", b * 100 + i], ["add", 20 + (i * 7 + b * 3) % 60, QKC, str(i + 1)], ["nonce", 20 + i, b + 1]]
    + ([["sstore", 20 + i, b, str(i)]] if i % 3 == 0 else []))] + [["commit"], ["reopen"], ["raw", 25], ["raw", 77]])
sc("mock accounts: a state-test pre-state", [["nonce", 1, 0], ["set", 1, QKC, "100"], ["code", 1, ""], ["nonce", 2, 1], ["set", 2, QKC, "0"], ["code", 2, "6001"],
   ["sstore", 2, 1, "1"], ["nonce", 3, 0], ["set", 3, QKC, "0"], ["code", 3, ""], ["commit", True], ["raw", 1], ["raw", 2], ["raw", 3]], mock=True)
sc("mock accounts: reads, transfer, blank deletion, key ignored",
   [["key", 7], ["set", 1, QKC, "100"], ["nonce", 2, 1], ["commit", True], ["reopen"], ["get", 1, QKC], ["fsk", 1], ["add", 1, QKC, "-100"], ["add", 2, QKC, "100"],
    ["commit"], ["raw", 1], ["raw", 2]], mock=True)
print(json.dumps(S, indent=1))
