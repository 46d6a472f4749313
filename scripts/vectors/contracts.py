"""Hand-assembled contracts for the vectors (a tiny assembler with labels), and the Solidity
ones pyquarkchain's own tests deploy (quarkchain/cluster/tests/test_utils.py)."""

OPS = {
    "STOP": 0x00, "ADD": 0x01, "LT": 0x10, "GT": 0x11, "EQ": 0x14, "ISZERO": 0x15,
    "CALLER": 0x33, "CALLVALUE": 0x34, "CALLDATALOAD": 0x35, "CALLDATASIZE": 0x36,
    "CALLDATACOPY": 0x37, "CODECOPY": 0x39, "NUMBER": 0x43, "TIMESTAMP": 0x42, "GAS": 0x5A,
    "POP": 0x50, "MLOAD": 0x51, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55, "JUMP": 0x56,
    "JUMPI": 0x57, "JUMPDEST": 0x5B, "DUP1": 0x80, "DUP2": 0x81, "SWAP1": 0x90,
    "LOG0": 0xA0, "LOG1": 0xA1, "LOG2": 0xA2, "CREATE": 0xF0, "CALL": 0xF1, "RETURN": 0xF3, "CREATE2": 0xF5,
    "REVERT": 0xFD, "INVALID": 0xFE, "SELFDESTRUCT": 0xFF, "BALANCE": 0x31, "ADDRESS": 0x30,
}


def asm(*items):
    """Items: an opcode name, ("PUSH", n, value), ("PUSH2@", label), ("LABEL", name) (a
    JUMPDEST), ("SIZE@", label) (PUSH2 of a label's offset used as a length), bytes (raw)."""
    def size(it):
        if isinstance(it, bytes):
            return len(it)
        if isinstance(it, str):
            return 1
        if it[0] == "PUSH":
            return 1 + it[1]
        if it[0] in ("PUSH2@",):
            return 3
        if it[0] == "LABEL":
            return 1
        if it[0] == "MARK":
            return 0
        raise ValueError(it)

    labels, pc = {}, 0
    for it in items:
        if isinstance(it, tuple) and it[0] in ("LABEL", "MARK"):
            labels[it[1]] = pc
        pc += size(it)
    labels["END"] = pc
    out = bytearray()
    for it in items:
        if isinstance(it, bytes):
            out += it
        elif isinstance(it, str):
            out.append(OPS[it])
        elif it[0] == "PUSH":
            out.append(0x5F + it[1])
            out += it[2].to_bytes(it[1], "big")
        elif it[0] == "PUSH2@":
            out.append(0x61)
            out += labels[it[1]].to_bytes(2, "big")
        elif it[0] == "LABEL":
            out.append(OPS["JUMPDEST"])
    return bytes(out)


def P(n, v=None):
    """PUSH1 v, or PUSHn v."""
    return ("PUSH", 1, n) if v is None else ("PUSH", n, v)


def deploy(runtime, constructor=()):
    """Init code: the constructor's items, then copy the runtime to memory and return it."""
    head = asm(*constructor, ("PUSH", 2, len(runtime)), "DUP1", ("PUSH", 2, 0), P(0), "CODECOPY", P(0), "RETURN")
    # the runtime's offset is the head's length; patch the placeholder PUSH2 0
    at = head.rfind(bytes([0x61, 0, 0]))
    head = head[:at] + bytes([0x61]) + len(head).to_bytes(2, "big") + head[at + 3:]
    return head + runtime


# Called with key|value (64 bytes): stores value at key, logs the call data with topics key
# and caller, returns the call data. Empty call data: REVERT with a reason word. More than
# 64 bytes: INVALID (all gas used).
STORE_LOG = asm(
    "CALLDATASIZE", "ISZERO", ("PUSH2@", "revert"), "JUMPI",
    "CALLDATASIZE", P(64), "LT", ("PUSH2@", "bad"), "JUMPI",
    P(0x20), "CALLDATALOAD", P(0), "CALLDATALOAD", "SSTORE",
    "CALLDATASIZE", P(0), P(0), "CALLDATACOPY",
    "CALLER", P(0), "CALLDATALOAD", "CALLDATASIZE", P(0), "LOG2",
    "CALLDATASIZE", P(0), "RETURN",
    ("LABEL", "revert"),
    ("PUSH", 32, int.from_bytes(b"qkc-slave vectors: no call data".ljust(32, b"\0"), "big")),
    P(0), "MSTORE", P(32), P(0), "REVERT",
    ("LABEL", "bad"), "INVALID",
)

# Child made by FACTORY: its runtime returns 42 and logs LOG0 of nothing.
CHILD_INIT = deploy(asm(P(42), P(0), "MSTORE", P(0), P(0), "LOG0", P(32), P(0), "RETURN"))

# Called with a 32-byte salt: CREATE2 of CHILD_INIT; without call data: CREATE. Stores the new
# address under itself, logs it (LOG1), returns it. A salt used twice gives address 0.
FACTORY = asm(
    ("PUSH", 2, len(CHILD_INIT)), ("PUSH2@", "child"), P(0), "CODECOPY",
    "CALLDATASIZE", "ISZERO", ("PUSH2@", "plain"), "JUMPI",
    P(0), "CALLDATALOAD", ("PUSH", 2, len(CHILD_INIT)), P(0), "CALLVALUE", "CREATE2",
    ("PUSH2@", "done"), "JUMP",
    ("LABEL", "plain"), ("PUSH", 2, len(CHILD_INIT)), P(0), "CALLVALUE", "CREATE",
    ("LABEL", "done"),
    "DUP1", "DUP1", "SSTORE",
    "DUP1", P(0), P(0), "LOG1",
    P(0), "MSTORE", P(32), P(0), "RETURN",
    ("MARK", "child"), CHILD_INIT,
)

# Called with target|flag (two words) and a value: CALLs the target with that value and no
# data, stores the call's success at slot 1 and logs it (LOG1); a non-zero flag then REVERTs
# the whole call (the inner transfer is undone).
FORWARDER = asm(
    P(0), P(0), P(0), P(0), "CALLVALUE", P(0), "CALLDATALOAD", "GAS", "CALL",
    "DUP1", P(1), "SSTORE",
    P(0), P(0), "LOG1",
    P(0x20), "CALLDATALOAD", "ISZERO", ("PUSH2@", "ok"), "JUMPI",
    P(0), P(0), "REVERT",
    ("LABEL", "ok"), "STOP",
)

# Sends everything it holds to the caller and goes.
SELFDESTRUCT = asm("CALLER", "SELFDESTRUCT")

# Burns gas in a loop until it runs out (a block near its gas limit).
LOOP = asm(("LABEL", "top"), "NUMBER", "POP", ("PUSH2@", "top"), "JUMP")

# Returns NUMBER, TIMESTAMP, GAS, its own balance, CALLVALUE (the block context of a call).
ENV = asm(
    "NUMBER", P(0), "MSTORE", "TIMESTAMP", P(32), "MSTORE", "CALLVALUE", P(64), "MSTORE",
    "ADDRESS", "BALANCE", P(96), "MSTORE", P(128), P(0), "RETURN",
)

# A constructor that stores the deployer at slot 0xff.
STORE_CALLER = (P(0x00), "POP", "CALLER", P(0xFF), "SSTORE")

CREATIONS = {
    "store_log": deploy(STORE_LOG, STORE_CALLER),
    "factory": deploy(FACTORY),
    "selfdestruct": deploy(SELFDESTRUCT),
    "loop": deploy(LOOP),
    "env": deploy(ENV),
    "forwarder": deploy(FORWARDER),
}


def pyquarkchain_creations():
    """The Solidity contracts of pyquarkchain's tests: name -> (init code, call data of a method)."""
    from quarkchain.cluster.tests import test_utils as tu

    return {
        "sol_storage2": (bytes.fromhex(tu.CONTRACT_WITH_STORAGE2), bytes.fromhex("c2e171d7")),  # Save()
        "sol_event": (bytes.fromhex(tu.CONTRACT_CREATION_WITH_EVENT_BYTECODE), bytes.fromhex("26121ff0")),  # f()
        "sol_hello": (bytes.fromhex(tu.CONTRACT_CREATION_BYTECODE), bytes.fromhex("942ae0a7")),  # helloWorld()
    }
