// npm run docs:cli: rewrites the README's CLI reference from the bins' --help.
import { readFileSync, writeFileSync } from "node:fs";
import { helpText, readmePath, withCliReference } from "./cli-reference.ts";

const before = readFileSync(readmePath, "utf8");
const after = withCliReference(before, helpText);
writeFileSync(readmePath, after);
console.log(before === after ? "README.md: CLI reference already up to date" : "README.md: CLI reference rewritten");
