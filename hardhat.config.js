// Hardhat 2 configuration. The compiler comes from the npm package `solc`
// (wasm), so compiling never downloads anything.
require("@nomicfoundation/hardhat-ethers");
require("@nomicfoundation/hardhat-chai-matchers");

const path = require("path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

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
  },
  mocha: { timeout: 120000 },
};
