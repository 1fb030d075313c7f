// Gas per multiply-accumulate of DenseLayer.forward for a 256x256 Dense (linear, with bias),
// at int32/int16/int8 weights. "forward gas" is what the caller pays for the call (measured
// by LayerHarness.measure around `forward`, so it includes passing 256 inputs in and 256
// outputs back, as EternalModel.predict does). Run:
//   node_modules/.bin/hardhat run bench/gas_dense.js
//
// Inputs are F = 24 fixed point, uniform in [-a, a]. The SWAR kernel takes 64-bit slots when
// sum|x| < 2^(63-L); past that, 64-bit slots run by run when the rows split into runs (sum|x| <
// 2^(63-L) each) of at least 8 rows on average, else 128-bit slots: with a = 1, sum|x| ~ 2^31
// (just inside the int32 bound); with a = 4 int32 takes 64-bit slots in runs.
const { ethers } = require("hardhat");
const { blockedKernel, plainTensor, splitPages, randomInts } = require("../test/layers/runLayers");

const ROWS = Number(process.env.ROWS || 256);
const UNITS = Number(process.env.UNITS || 256);
const F = 24;

async function main() {
  const harness = await ethers.deployContract("LayerHarness");
  const implementation = await ethers.deployContract("DenseLayer");
  const abi = ethers.AbiCoder.defaultAbiCoder();
  const rows = [];
  for (const bits of [32, 16, 8]) {
    const kernel = blockedKernel(randomInts(ROWS * UNITS, bits, 7 + bits), ROWS, UNITS, bits);
    const bias = plainTensor(randomInts(UNITS, bits, 99), bits);
    const kernelSize = ethers.dataLength(kernel);
    const config = abi.encode(
      ["uint256", "uint256", "uint256", "uint256", "uint256", "uint256", "tuple(uint256,uint256,int256)", "tuple(uint256,uint256,int256)"],
      [F, bits, ROWS, UNITS, 1, 0, [0, kernelSize, bits - 1], [kernelSize, ethers.dataLength(bias), bits - 1]],
    );
    const receipt = await (await harness.clone(await implementation.getAddress(), config)).wait();
    const layer = harness.interface.parseLog(receipt.logs[0]).args.layer;
    const pages = [];
    for (const page of splitPages(ethers.concat([kernel, bias]))) {
      const written = await (await harness.writePages([page])).wait();
      pages.push(...harness.interface.parseLog(written.logs[written.logs.length - 1]).args.pages);
    }
    for (const amplitude of [1, 4]) {
      const x = randomInts(ROWS, 16, 5).map((v) => (v * BigInt(Math.round(amplitude * 2 ** F))) >> 15n);
      const absSum = x.reduce((a, v) => a + (v < 0n ? -v : v), 0n);
      const limit = 1n << BigInt(63 - bits);
      let slot = absSum < limit ? "64-bit" : "128-bit";
      if (absSum >= limit && x.every((v) => (v < 0n ? -v : v) < limit)) {
        let run = 0n, runs = 1; // greedy runs with sum|x| < limit, as DenseLayer._runs
        for (const v of x) {
          run += v < 0n ? -v : v;
          if (run >= limit) [runs, run] = [runs + 1, v < 0n ? -v : v];
        }
        if (runs * 8 <= x.length) slot = `64-bit, ${runs} runs`;
      }
      const [, gas] = await harness.measure(layer, [x], pages);
      rows.push({
        weights: `int${bits}`,
        inputs: `[-${amplitude}, ${amplitude}]`,
        slots: slot,
        pages: pages.length,
        "forward gas": Number(gas),
        "gas / MAC": +(Number(gas) / (ROWS * UNITS)).toFixed(2),
      });
    }
  }
  console.log(`DenseLayer.forward, ${ROWS}x${UNITS} (${ROWS * UNITS} MACs), linear, with bias, F = ${F}`);
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
