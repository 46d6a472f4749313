import { ExecChain, benchBackend } from "./chain.ts";
const chain = await ExecChain.create();
await chain.add("transfer", 2);
const g = globalThis as unknown as { recov: number };
g.recov = 0;
const backend = benchBackend(chain.config);
await backend.createShards(chain.genesisRoot);
for (const st of chain.steps) {
  if (st.kind === "root") {
    await backend.addRootBlock(st.root);
    continue;
  }
  const t = performance.now();
  await backend.chain(1)!.addBlock(st.block);
  console.log("block ms", (performance.now() - t).toFixed(0), "recoveries", g.recov, "txs", st.block.tx_list.length);
  g.recov = 0;
}
