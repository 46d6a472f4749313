import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { fixturePath, fixturesMissing, loadFixture } from "../helpers/fixtures.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function wire(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/qkc-wire.ts", ...args], {
    cwd: repoRoot,
    input,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// PROTOCOL.md Appendix A.1 and A.2, written out so this test needs no fixtures.
const PING = "00000009 | 00000000 0000000000000000 | 81 | 0000000000000001 | 00000000 00000000 00";
const PONG = "00000012 | 00000000 0000000000000000 | 82 | 0000000000000001 | 00000002 5330 00000002 00000001 00010001";
const compact = (s: string): string => s.replace(/[\s|]/g, "");

t.test("A.1 PING frame: decode, then encode back", async (t) => {
  const d = wire(["decode", "--frame", "--link", "master", PING]);
  t.equal(d.code, 0, d.stderr);
  const json = JSON.parse(d.stdout);
  t.match(json, { size: 9, branch: 0, cluster_peer_id: 0, op: 129, op_name: "PING", kind: "request", rpc_id: 1 });
  t.same(json.payload, { id: "0x", full_shard_id_list: [], root_tip: null });
  const e = wire(["encode", "--frame", "--link", "master"], d.stdout);
  t.equal(e.code, 0, e.stderr);
  t.equal(e.stdout.trim(), compact(PING));
});

t.test("A.2 PONG: frame and bare payload round trips", async (t) => {
  const d = wire(["decode", "--frame", PONG]);
  t.equal(d.code, 0, d.stderr);
  const json = JSON.parse(d.stdout);
  t.match(json, { op: 130, op_name: "PONG", kind: "response", rpc_id: 1 });
  t.same(json.payload, { id: "0x5330", full_shard_id_list: [1, 65537] });
  const e = wire(["encode", "--frame", d.stdout]);
  t.equal(e.stdout.trim(), compact(PONG), e.stderr);

  const payload = compact(PONG).slice(2 * 25);
  const byOp = wire(["decode", "--op", "PONG", "--family", "cluster", payload]);
  t.same(JSON.parse(byOp.stdout), json.payload);
  const byType = wire(["encode", "--type", "Pong", byOp.stdout]);
  t.equal(byType.stdout.trim(), payload, byType.stderr);
});

t.test("usage and data errors have distinct exit codes", async (t) => {
  t.equal(wire(["decode", "--op", "129", "00"]).code, 2, "--op without --family");
  t.equal(wire(["decode", "--nope", "00"]).code, 2, "unknown flag");
  t.equal(wire(["decode", "--type", "Pong", "00"]).code, 1, "truncated payload");
  t.equal(wire(["encode", "--type", "Branch", '{"value":-1}']).code, 1, "overflow");
});

t.test(
  "check names the corrupted record and exits 1",
  { skip: fixturesMissing("pyquarkchain/cluster.json") },
  async (t) => {
    const fixture = loadFixture<{ payload_hex: string; type: string; case: string }>("pyquarkchain/cluster.json");
    const records = fixture.records.slice(0, 4);
    const bad = records[2]!;
    bad.payload_hex = bad.payload_hex.slice(0, -2) + (bad.payload_hex.endsWith("00") ? "01" : "00");
    const dir = mkdtempSync(join(tmpdir(), "qkc-wire-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "cluster.json");
    writeFileSync(file, JSON.stringify({ ...fixture, records }));

    const r = wire(["check", file]);
    t.equal(r.code, 1);
    t.match(r.stdout, `cluster.json#2 ${bad.type}/${bad.case}`);
    t.match(r.stdout, /\n3 passed, 1 failed\n$/);

    const ok = wire(["check", fixturePath("pyquarkchain/cluster.json")]);
    t.equal(ok.code, 0, ok.stdout.split("\n").slice(-5).join("\n"));
  },
);

t.test("--help explains every flag of every sub-command", async (t) => {
  const top = wire(["--help"]);
  t.equal(top.code, 0);
  for (const cmd of ["decode", "encode", "check"]) t.match(top.stdout, cmd);
  for (const cmd of ["decode", "encode"]) {
    const h = wire([cmd, "--help"]);
    t.equal(h.code, 0);
    for (const flag of ["--type", "--op", "--family", "--frame", "--link"]) t.match(h.stdout, flag, `${cmd} ${flag}`);
  }
  const c = wire(["check", "--help"]);
  t.equal(c.code, 0);
  t.match(c.stdout, "passed");
});
