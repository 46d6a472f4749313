/**
 * The layers of DESIGN.md, checked by `npm run deps` (dependency-cruiser). Type-only imports
 * count: `import type` from a layer above is still a dependency on its shape.
 *
 * src/*.ts (slave-main.ts, its assembly helpers, index.ts) are the entry-point side, like bin/:
 * they may import any layer, wire/ included. The layers are src/'s folders.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular-in-src",
      comment: "An import circle in src/ makes two files one: neither can be read, tested or moved alone.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "backend-not-cluster",
      comment:
        "backend/ is what the slave knows and does; cluster/ carries it over sockets and calls it, never the reverse.",
      severity: "error",
      from: { path: "^src/backend/" },
      to: { path: "^src/cluster/" },
    },
    {
      name: "src-layers-not-wire",
      comment: "wire/ is qkc-wire's logic; only the entry points (bin/, src/*.ts) may use it.",
      severity: "error",
      from: { path: "^src/[^/]+/", pathNot: "^src/wire/" },
      to: { path: "^src/wire/" },
    },
    {
      name: "evm-not-backend-or-cluster",
      comment: "The interpreter knows no block, no chain, no socket: it sees the world through one interface.",
      severity: "error",
      from: { path: "^src/evm/" },
      to: { path: "^src/(backend|cluster)/" },
    },
    {
      name: "config-below-backend-and-cluster",
      comment: "config/ parses and validates; assembling runtime objects from it is the entry points' job.",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: "^src/(backend|cluster|evm|metrics|wire)/" },
    },
    {
      name: "scripts-bench-harness-not-test",
      comment: "What scripts/ and bench/ share with the tests lives in harness/; test/ is the tests' own.",
      severity: "error",
      from: { path: "^(scripts|bench|harness)/" },
      to: { path: "^test/" },
    },
    {
      name: "src-self-contained",
      comment: "src/ is the package: it cannot reach into what is not shipped.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(bin|test|bench|scripts|harness|examples)/" },
    },
  ],
  options: {
    includeOnly: "^(src|bin|test|bench|scripts|harness)/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
  },
};
