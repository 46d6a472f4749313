import { type Socket, connect } from "node:net";
import t from "tap";
import { RESERVED_PEER_ERROR_CODE } from "../../src/cluster/master-conn.ts";
import { SiblingRegistry } from "../../src/cluster/xshard/sibling-registry.ts";
import { AllowList } from "../../src/config/slave-options.ts";
import { within } from "../../harness/frame-socket.ts";
import { captureLog, silentLog } from "../helpers/test-log.ts";
import { ENOENT } from "../helpers/test-backend.ts";
import { TestMaster, announced } from "../../harness/test-master.ts";
import { SiblingLink, TestSibling } from "../../harness/test-sibling.ts";
import { SHARD_A, SHARD_B, SHARD_C, type Test, connectMaster, masterAnswers, startHardened, until } from "./harness.ts";
import { xshardProbe } from "../../harness/tcp-fuzz.ts";

/**
 * Who may connect: the master's address (--master-allow), inbound siblings checked against
 * the master's CONNECT_TO_SLAVES list (id and source address), and the refusals that need
 * no list (own id, second PING, reserved peer id).
 */

/** A TCP connection from a chosen loopback source address (127.0.0.0/8 is all loopback on Linux). */
function dialFrom(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

async function dialSibling(t: Test, port: number, name: string): Promise<SiblingLink> {
  const link = await TestSibling.dial(port, name);
  t.teardown(() => link.destroy());
  return link;
}

/** PINGs and says whether a PONG came back (false: the slave closed the link instead). */
async function pingAnswered(link: SiblingLink, id: string, shards: number[]): Promise<boolean> {
  const pong = link.ping(id, shards).then(
    () => true,
    () => false,
  );
  return within(Promise.race([pong, link.closed.then(() => false)]), `${link.name}: PONG or close`);
}

t.test("--master-allow: an address outside the list never becomes the master; one inside does", async (t) => {
  const slave = await startHardened(t, { masterAllow: new AllowList("127.0.0.2") });
  const stranger = new TestMaster(await dialFrom(slave.port, "127.0.0.1"), "stranger");
  t.teardown(() => stranger.destroy());
  await stranger.waitClosed("the stranger to be refused");
  t.equal(slave.server.masterConn, undefined, "the stranger did not become the master");
  t.match(slave.log.find("connection refused")[0], { kind: "master-not-allowed", reason: /127\.0\.0\.1 is not in/ });

  const master = new TestMaster(await dialFrom(slave.port, "127.0.0.2"));
  t.teardown(() => master.destroy());
  const pong = await master.ping();
  t.equal(Buffer.from(pong.id).toString(), "S1", "the allowed address is the master");
  t.same(slave.server.stats().refused, { "master-not-allowed": 1 });
});

t.test("--master-allow parses addresses and CIDRs of both families, refusing junk", async (t) => {
  const list = new AllowList("127.0.0.1, 10.0.0.0/8,fd00::/8");
  t.ok(list.allows("127.0.0.1") && list.allows("::ffff:127.0.0.1"), "IPv4, also as IPv4-mapped IPv6");
  t.ok(list.allows("10.200.3.4") && !list.allows("11.0.0.1"), "a /8");
  t.ok(list.allows("fd12::1") && !list.allows("fe80::1"), "an IPv6 prefix");
  t.notOk(list.allows("127.0.0.2") || list.allows(undefined), "nothing else");
  for (const bad of ["", "1.2.3", "10.0.0.0/33", "::/129", "x", "1.2.3.4/8/1"]) {
    t.throws(() => new AllowList(bad), { name: "ConfigError" }, `refused: ${JSON.stringify(bad)}`);
  }
});

t.test("listening beyond loopback without --master-allow is warned about at start", async (t) => {
  const open = await startHardened(t, { host: "0.0.0.0" });
  t.equal(open.log.find("listening beyond loopback without --master-allow").length, 1, "0.0.0.0: warned");
  const allowed = await startHardened(t, { host: "0.0.0.0", masterAllow: new AllowList("127.0.0.1") });
  t.equal(allowed.log.find("listening beyond loopback").length, 0, "0.0.0.0 with --master-allow: quiet");
  const local = await startHardened(t, { host: "127.0.0.1" });
  t.equal(local.log.find("listening beyond loopback").length, 0, "loopback: quiet");
});

t.test("with the master's list known, only an announced id from its host is accepted", async (t) => {
  const slave = await startHardened(t, { siblingCheck: "announced", dialTimeoutMs: 200 });
  const master = await connectMaster(t, slave.port);
  // S2 and S4 will dial in; S4 is announced on another host. Their ports are not listening:
  // the slave's own dials to them fail, which does not matter here.
  await master.connectToSlaves([slave.info(), announced("S2", [SHARD_B]), announced("S4", [SHARD_C], "10.1.2.3")]);
  await master.ping(TestMaster.genesisRoot()); // as pyquarkchain's master: the list, then PING #2
  t.same(slave.server.siblings.ids().sort(), ["S1", "S2", "S4"]);

  const good = await dialSibling(t, slave.port, "S2");
  t.ok(await pingAnswered(good, "S2", [SHARD_B]), "S2 from its announced host: PONG");
  t.equal((await good.call("ADD_XSHARD_TX_LIST_REQUEST", xshardProbe(SHARD_A, 1))).error_code, 0, "and served");
  t.same(slave.server.pool.ids(), ["S2"]);

  const cases: Array<[string, string, number[], RegExp]> = [
    ["S3", "S3", [SHARD_C], /"S3" was not announced by the master/],
    ["S4", "S4", [SHARD_C], /address 127\.0\.0\.1 is not the announced host 10\.1\.2\.3/],
    ["S1", "S1", [SHARD_A], /claims our own id "S1"/],
  ];
  for (const [name, id, shards, reason] of cases) {
    const link = await dialSibling(t, slave.port, name);
    t.notOk(await pingAnswered(link, id, shards), `${name}: closed without a PONG`);
    t.same(link.frames, [], `${name}: nothing was sent to it`);
    t.ok(
      slave.log.find("sibling refused").some((l) => reason.test(String(l["reason"]))),
      `${name}: logged (${reason.source})`,
    );
  }
  t.same(slave.server.pool.ids(), ["S2"], "the pool holds the announced sibling only");
  t.same(slave.server.stats().closes["refused"], 3);
  await masterAnswers(t, master, "the master link is untouched");
});

t.test("a PING before the list: answered, held (nothing served) until the list confirms it", async (t) => {
  const slave = await startHardened(t, { siblingCheck: "announced", dialTimeoutMs: 200 });
  const master = await connectMaster(t, slave.port);
  const early = await dialSibling(t, slave.port, "S2 early");
  t.ok(await pingAnswered(early, "S2", [SHARD_B]), "the PONG goes out at once (the master's boot needs it)");
  const impostor = await dialSibling(t, slave.port, "S3 early");
  t.ok(await pingAnswered(impostor, "S3", [SHARD_C]), "so does an impostor's, before anything is known");

  const held = early.request("ADD_XSHARD_TX_LIST_REQUEST", xshardProbe(SHARD_A, 2));
  // master PING, two sibling PINGs, the held request
  await until(() => slave.server.stats().framesIn >= 4, "the held request to reach the slave");
  await masterAnswers(t, master, "the master answers meanwhile");
  t.equal(slave.server.stats().framesOut, 4, "nothing answered but the PINGs (three PONGs and this one)");
  t.equal(slave.server.pool.size, 0, "nobody in the pool yet");
  t.equal(slave.server.stats().handshakingSockets, 2, "both still in their handshake");

  // The list names S2 only: S2 is confirmed (and not dialed), the impostor refused.
  const results = await master.connectToSlaves([slave.info(), announced("S2", [SHARD_B])]);
  t.same(results, ["", ""], "S2 already linked: not dialed");
  t.equal((await held.response).error_code, ENOENT, "the held request is served once S2 is confirmed (no shard yet)");
  t.same(slave.server.pool.ids(), ["S2"]);
  await impostor.waitClosed("the impostor to be refused when the list came");
  t.ok(slave.log.find("sibling refused").some((l) => /"S3" was not announced/.test(String(l["reason"]))));
  t.equal(slave.server.stats().handshakingSockets, 0);
});

t.test("a PING before the list waits at most the handshake deadline", async (t) => {
  const slave = await startHardened(t, { siblingCheck: "announced", handshakeTimeoutMs: 150 });
  await connectMaster(t, slave.port);
  const link = await dialSibling(t, slave.port, "S2 early");
  t.ok(await pingAnswered(link, "S2", [SHARD_B]));
  await link.waitClosed("the deadline to close it");
  t.match(slave.log.find("slave link closed before its handshake completed")[0], {
    reason: /not confirmed by the master's slave list within 150 ms/,
  });
  t.equal(slave.server.stats().closes["handshake-timeout"], 1);
});

t.test("no list by the end of the master's boot: 'announced' accepts unverified, 'strict' refuses", async (t) => {
  const lenient = await startHardened(t, { siblingCheck: "announced", dialTimeoutMs: 200 });
  const master = await connectMaster(t, lenient.port, { root: true });
  t.equal(lenient.log.find("announced no slave list").length, 1, "warned once");
  const link = await dialSibling(t, lenient.port, "S2");
  t.ok(await pingAnswered(link, "S2", [SHARD_B]), "accepted as pyquarkchain would");
  t.equal((await link.call("ADD_XSHARD_TX_LIST_REQUEST", xshardProbe(SHARD_A, 3))).error_code, 0);
  // A list arriving later still applies, also to links accepted without one.
  await master.connectToSlaves([lenient.info(), announced("S9", [SHARD_C])]);
  await link.waitClosed("the unverified sibling to be refused by the late list");
  t.ok(lenient.log.find("sibling refused").some((l) => /"S2" was not announced/.test(String(l["reason"]))));

  const strict = await startHardened(t, { siblingCheck: "strict" });
  await connectMaster(t, strict.port, { root: true });
  const refused = await dialSibling(t, strict.port, "S2 strict");
  t.notOk(await pingAnswered(refused, "S2", [SHARD_B]), "strict: refused");
  t.ok(strict.log.find("sibling refused").some((l) => /announced no slave list/.test(String(l["reason"]))));
});

t.test("refused whatever the list: a second PING, a request before the PING, our own id", async (t) => {
  const slave = await startHardened(t, { siblingCheck: "off" });
  const master = await connectMaster(t, slave.port, { root: true });

  const twice = await dialSibling(t, slave.port, "twice");
  t.ok(await pingAnswered(twice, "S2", [SHARD_B]));
  twice.send("PING", { id: Buffer.from("S2"), full_shard_id_list: [SHARD_B], root_tip: null }, { rpcId: 2n });
  await twice.waitClosed();
  t.equal(twice.frames.length, 1, "only the first PING answered");
  t.ok(
    slave.log.find("sibling refused").some((l) => /second PING/.test(String(l["reason"]))),
    "logged",
  );

  const eager = await dialSibling(t, slave.port, "eager");
  eager.send("ADD_XSHARD_TX_LIST_REQUEST", xshardProbe(SHARD_A, 4), { rpcId: 1n });
  await eager.waitClosed();
  t.same(eager.frames, []);
  t.ok(
    slave.log
      .find("sibling refused")
      .some((l) => /ADD_XSHARD_TX_LIST_REQUEST before its PING/.test(String(l["reason"]))),
  );
  t.equal(slave.backend.xshardLists.length, 0, "nothing stored");

  const me = await dialSibling(t, slave.port, "me");
  t.notOk(await pingAnswered(me, "S1", [SHARD_A]), "a sibling claiming our own id is refused even with the check off");
  await masterAnswers(t, master, "the master link is untouched");
});

t.test("CREATE for the reserved cluster peer id 0 is refused and logged; the link stays up", async (t) => {
  const slave = await startHardened(t, { shards: [SHARD_A] });
  const master = await connectMaster(t, slave.port, { root: true });
  t.equal(await master.createPeer(0n), RESERVED_PEER_ERROR_CODE);
  t.equal(slave.server.masterConn!.dispatcher.peerCount, 0, "no peer recorded");
  t.equal(slave.log.find("reserved cluster peer id 0 refused").length, 1);
  t.equal(await master.createPeer(7n), 0, "an ordinary id still works");
  await masterAnswers(t, master, "the master link is up");
});

t.test("the sibling check's address rules: hosts resolved once, loopback as loopback, IPv4-mapped", async (t) => {
  const lookups: string[] = [];
  const table: Record<string, string[]> = {
    "s2.example": ["10.0.0.5"],
    "s3.example": ["::ffff:10.0.0.6", "fd00::6"],
    localhost: ["::1", "127.0.0.1"],
  };
  const reg = new SiblingRegistry({
    selfId: "S1",
    mode: "announced",
    log: silentLog,
    lookup: async (host) => {
      lookups.push(host);
      const addrs = table[host];
      if (!addrs) throw new Error("ENOTFOUND");
      return addrs;
    },
  });
  t.equal(reg.judge("S2", "10.0.0.5"), undefined, "no list yet: wait");
  await reg.announce([announced("S2", [2], "s2.example"), announced("S3", [3], "s3.example")]);
  await reg.announce([
    announced("S5", [5], "localhost"),
    announced("S2", [2], "s2.example"),
    announced("S6", [6], "nowhere"),
  ]);
  t.same(lookups.sort(), ["localhost", "nowhere", "s2.example", "s3.example"], "each host looked up once");
  t.same(reg.judge("S2", "10.0.0.5"), { ok: true });
  t.same(reg.judge("S2", "::ffff:10.0.0.5"), { ok: true }, "an IPv4-mapped source");
  t.match(reg.judge("S2", "10.0.0.9"), { ok: false, reason: /not the announced host s2\.example/ });
  t.same(reg.judge("S3", "10.0.0.6"), { ok: true }, "an IPv4-mapped announced address");
  t.same(reg.judge("S3", "fd00::6"), { ok: true });
  t.same(reg.judge("S5", "127.0.0.1"), { ok: true }, "localhost: loopback");
  t.same(reg.judge("S5", "127.8.9.10"), { ok: true }, "any loopback source for a loopback host");
  t.same(reg.judge("S5", "::ffff:127.0.0.1"), { ok: true });
  t.match(reg.judge("S5", "10.0.0.5"), { ok: false }, "but not another address");
  t.match(reg.judge("S6", "127.0.0.1"), { ok: false, reason: /could not be resolved/ });
  t.match(reg.judge("S7", "127.0.0.1"), { ok: false, reason: /not announced/ });
  t.match(reg.judge("S1", "127.0.0.1"), { ok: false, reason: /own id/ });
});

t.test("a refused socket is logged without flooding: one line per kind and interval", async (t) => {
  const log = captureLog();
  const slave = await startHardened(t, { masterAllow: new AllowList("127.0.0.2"), log: log.log });
  const sockets = await Promise.all(Array.from({ length: 20 }, () => dialFrom(slave.port, "127.0.0.1")));
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  await until(() => (slave.server.stats().refused["master-not-allowed"] ?? 0) === 20, "20 refusals");
  t.equal(log.find("connection refused").length, 1, "one line, the others counted");
});
