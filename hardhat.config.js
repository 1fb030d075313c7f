// Hardhat 2 configuration. The compiler comes from the npm package `solc`
// (wasm), so compiling never downloads anything.
require("@nomicfoundation/hardhat-ethers");
require("@nomicfoundation/hardhat-chai-matchers");

const path = require("path");
const v8 = require("v8");
const vm = require("vm");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_NODE_GET_PROVIDER } = require("hardhat/builtin-tasks/task-names");

const SOLC_VERSION = require("solc/package.json").version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, _hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) {
    throw new Error(`Only solc ${SOLC_VERSION} (npm package 'solc') is available offline; a contract asked for ${solcVersion}`);
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: solcVersion,
    longVersion: require("solc").version(),
  };
});

// `hardhat node` keeps each call's execution trace (~450 bytes per EVM step, ~1.5 GB for a
// 16M-gas call) in native memory that is freed only when V8 collects the JS objects holding it,
// and V8, seeing a small JS heap, rarely does: the node grew by ~1.5 GB a call until the kernel
// killed it. The node's provider forces a full collection (~20 ms) after every request that ran
// for HEAVY_REQUEST_MS or more, which holds it to a few calls' worth. Tests and scripts, which
// run in-process providers, are unchanged.
const HEAVY_REQUEST_MS = 200;

subtask(TASK_NODE_GET_PROVIDER, async (args, _hre, runSuper) => {
  const provider = await runSuper(args);
  v8.setFlagsFromString("--expose-gc");
  const collect = vm.runInNewContext("gc");
  const request = provider.request.bind(provider);
  provider.request = async (call) => {
    const started = Date.now();
    try {
      return await request(call);
    } finally {
      if (Date.now() - started >= HEAVY_REQUEST_MS) setImmediate(collect);
    }
  };
  return provider;
});

module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "prague",
    },
  },
  networks: {
    hardhat: {
      // Keep mainnet rules (Osaka: 16,777,216 gas per transaction) unless overridden.
      hardfork: process.env.ETERNAL_HARDFORK || "osaka",
      allowUnlimitedContractSize: false,
    },
    // An external node (bench/results.py starts anvil and passes its URL): `--network anvil`.
    anvil: {
      url: process.env.ETERNAL_BENCH_RPC || "http://127.0.0.1:8545",
      timeout: 600000,
    },
  },
  mocha: { timeout: 120000 },
};
