// Compile the demo network's own Solidity (DemoToken, DemoYieldVault) against the pinned
// OpenZeppelin package with the pinned solc-js. Reads {"sources": {name: text}} on stdin,
// prints solc's standard-JSON output. Run with NODE_PATH pointing at the toolchain.
const fs = require("fs");
const path = require("path");
const solc = require("solc");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const modules = process.env.NODE_PATH;
const standard = {
  language: "Solidity",
  sources: Object.fromEntries(Object.entries(input.sources).map(([k, v]) => [k, { content: v }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
function findImports(name) {
  try {
    return { contents: fs.readFileSync(path.join(modules, name), "utf8") };
  } catch (e) {
    return { error: "not found: " + name };
  }
}
process.stdout.write(solc.compile(JSON.stringify(standard), { import: findImports }));
