// Compiles contracts/*.sol with the pinned solcjs (standard JSON, evmVersion london, optimizer on)
// into <out>/<Contract>.abi and .bin. Usage: node compile.js <output folder>
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = __dirname;
const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'build'));

const sources = {};
for (const file of fs.readdirSync(path.join(ROOT, 'contracts')).filter(f => f.endsWith('.sol')).sort()) {
  sources[`contracts/${file}`] = { content: fs.readFileSync(path.join(ROOT, 'contracts', file), 'utf8') };
}

function findImports(importPath) {
  const candidate = path.join(ROOT, 'node_modules', importPath);
  return fs.existsSync(candidate)
    ? { contents: fs.readFileSync(candidate, 'utf8') }
    : { error: `not found: ${importPath}` };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    // london: Besu QBFT networks and Anvil --hardfork london; later defaults emit PUSH0, which a
    // london chain rejects by burning all gas.
    evmVersion: 'london',
    optimizer: { enabled: true, runs: 200 },
    // Exact source unit names: a glob such as "contracts/*" silently selects nothing.
    outputSelection: Object.fromEntries(
      Object.keys(sources).map(source => [source, { '*': ['abi', 'evm.bytecode.object'] }])),
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const problems = output.errors || [];
problems.forEach(problem => console.error(problem.formattedMessage));
if (problems.some(problem => problem.severity === 'error')) {
  process.exit(1);
}
fs.mkdirSync(OUT, { recursive: true });
let written = 0;
for (const contracts of Object.values(output.contracts)) {
  for (const [name, contract] of Object.entries(contracts)) {
    if (!contract.evm.bytecode.object) {
      continue; // interfaces and abstract contracts
    }
    fs.writeFileSync(path.join(OUT, `${name}.abi`), JSON.stringify(contract.abi));
    fs.writeFileSync(path.join(OUT, `${name}.bin`), contract.evm.bytecode.object);
    written++;
  }
}
console.log(`compiled ${written} contracts with solc ${solc.version()} into ${OUT}`);
