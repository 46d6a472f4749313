"""Plays the master toward a fresh pyquarkchain SlaveServer (py_real_slave.py, in-memory DB)
over the raw-TCP cluster protocol and records every exchange as qkc-exec-transcript/1
(test/fixtures/execution/README.md): request, response and every request the slave makes
meanwhile, as raw payload bytes.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

from quarkchain.cluster.rpc import (
    AddMinorBlockHeaderListResponse,
    AddMinorBlockHeaderResponse,
    ArtificialTxConfig,
    CLUSTER_OP_SERIALIZER_MAP,
    ClusterOp,
)

OP_NAMES = {v: k for k, v in vars(ClusterOp).items() if k.isupper() and isinstance(v, int)}
HEADER = struct.Struct(">IIQBQ")  # payload length, branch, cluster_peer_id, op, rpc_id


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlaveDied(RuntimeError):
    pass


class Recorder:
    def __init__(self, config_dict, interop_dir, slave_id="S0"):
        self.config = config_dict
        self.slave_id = slave_id
        qc = config_dict["QUARKCHAIN"]
        # what pyquarkchain's MasterServer answers ADD_MINOR_BLOCK_HEADER_REQUEST with
        atc = ArtificialTxConfig(
            target_root_block_time=qc["ROOT"]["CONSENSUS_CONFIG"]["TARGET_BLOCK_TIME"],
            target_minor_block_time=qc["CHAINS"][0]["CONSENSUS_CONFIG"]["TARGET_BLOCK_TIME"],
        )
        self.master_answers = {
            ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST: (
                ClusterOp.ADD_MINOR_BLOCK_HEADER_RESPONSE,
                AddMinorBlockHeaderResponse(error_code=0, artificial_tx_config=atc).serialize(),
            ),
            ClusterOp.ADD_MINOR_BLOCK_HEADER_LIST_REQUEST: (
                ClusterOp.ADD_MINOR_BLOCK_HEADER_LIST_RESPONSE,
                AddMinorBlockHeaderListResponse(error_code=0).serialize(),
            ),
        }
        self.exchanges = []
        self.rpc_id = 0
        self.port = free_port()
        live = json.loads(json.dumps(config_dict))
        live["SLAVE_LIST"][0]["PORT"] = self.port
        fd, self.config_file = tempfile.mkstemp(prefix="qkc-vectors-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(live, f)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(interop_dir, "py_real_slave.py"), "--id", slave_id,
             "--config-json", self.config_file, "--max-seconds", "1800"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        for line in self.proc.stdout:
            if "real_slave_listening" in line:
                break
        else:
            raise SlaveDied("py_real_slave.py exited before listening")
        self.sock = None
        deadline = time.time() + 20
        while self.sock is None:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise SlaveDied("the slave closed the master link")
            buf += chunk
        return buf

    def _frame(self):
        size, branch, peer, op, rpc_id = HEADER.unpack(self._read(HEADER.size))
        return op, branch, peer, rpc_id, self._read(size)

    def _send(self, op, rpc_id, payload):
        self.sock.sendall(HEADER.pack(len(payload), 0, 0, op, rpc_id) + payload)

    def exchange(self, kind, op, request, note, summary=None):
        """Sends one request, answers the slave's own requests meanwhile, records it all and
        returns the decoded response."""
        payload = request if isinstance(request, bytes) else request.serialize()
        self.rpc_id += 1
        self._send(op, self.rpc_id, payload)
        slave_requests = []
        while True:
            rop, branch, peer, rid, body = self._frame()
            if rop % 2 == 1 and rop in self.master_answers:
                slave_requests.append(_frame_json(rop, branch, peer, body))
                aop, apayload = self.master_answers[rop]
                self._send(aop, rid, apayload)
                continue
            if rid == self.rpc_id and rop == op + 1:
                break
            raise RuntimeError("unexpected frame op {} rpc {} during {}".format(rop, rid, note))
        decoded = CLUSTER_OP_SERIALIZER_MAP[rop].deserialize(body)
        ex = {
            "n": len(self.exchanges),
            "kind": kind,
            "op": op,
            "op_name": OP_NAMES[op],
            "note": note,
            "request": payload.hex(),
            "response": _frame_json(rop, branch, peer, body),
            "slave_requests": slave_requests,
        }
        s = summary(decoded) if summary else _summary(decoded)
        if s is not None:
            ex["summary"] = s
        self.exchanges.append(ex)
        return decoded

    def close(self):
        try:
            self.sock.close()
        finally:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            os.unlink(self.config_file)

    def transcript(self, scenario, seed, description, exchanges=None):
        exchanges = self.exchanges if exchanges is None else exchanges
        by_kind, by_op = {}, {}
        for e in exchanges:
            by_kind[e["kind"]] = by_kind.get(e["kind"], 0) + 1
            by_op[e["op_name"]] = by_op.get(e["op_name"], 0) + 1
        return {
            "format": "qkc-exec-transcript/1",
            "scenario": scenario,
            "set": "generated",
            "seed": seed,
            "description": description,
            "source": "scripts/vectors/generate.py: pyquarkchain's SlaveServer (quarkchain/cluster/slave.py, "
            "via py_real_slave.py), in-memory DB, fed blocks built by pyquarkchain's ShardState/RootState "
            "from this cluster config",
            "slave_id": self.slave_id,
            "full_shard_ids": self.config["SLAVE_LIST"][0]["FULL_SHARD_ID_LIST"],
            "port_placeholder": self.config["SLAVE_LIST"][0]["PORT"],
            "cluster_config_json": json.dumps(self.config),
            "master_answers": {
                str(op): {"op": aop, "op_name": OP_NAMES[aop], "payload": p.hex()}
                for op, (aop, p) in sorted(self.master_answers.items())
            },
            "counts": {"exchanges": len(exchanges), "by_kind": by_kind, "by_op": dict(sorted(by_op.items()))},
            "exchanges": exchanges,
        }


def _frame_json(op, branch, peer, payload):
    return {"op": op, "op_name": OP_NAMES.get(op, ""), "meta": [branch, peer], "payload": payload.hex()}


def _summary(decoded):
    out = {}
    for key in ("error_code", "switched"):
        if hasattr(decoded, key):
            out[key] = getattr(decoded, key)
    return out or None
