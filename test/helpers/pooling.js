// Shared by the pooling tests: a hand-made pooling layer and its BigInt reference (windows
// clipped to the input; average = floor((2 sum + n) / 2n), nearest with ties up).
const { abi, cloneLayer } = require("./layerHarness");
const { POOL_TYPES, geometry } = require("./spatial");
const { floorDiv } = require("./reference");

/** Clones `contract` with a pooling config; returns {layer, reference(x), size}. */
async function handMadePooling(kit, contract, shape, reduce) {
  const { H, W, C, PH, PW, SH, SW, padding } = shape;
  const [OH, top] = geometry(H, PH, SH, padding);
  const [OW, left] = geometry(W, PW, SW, padding);
  const layer = await cloneLayer(kit, contract, abi.encode(POOL_TYPES, [24, 32, H, W, C, PH, PW, SH, SW, top, left, OH, OW]));
  const reference = (x) => {
    const out = [];
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          const cells = [];
          for (let y = oy * SH - top; y < oy * SH - top + PH; y++) {
            for (let z = ox * SW - left; z < ox * SW - left + PW; z++) {
              if (y >= 0 && y < H && z >= 0 && z < W) cells.push(x[(y * W + z) * C + c]);
            }
          }
          out.push(reduce(cells));
        }
      }
    }
    return out;
  };
  return { layer, reference, size: H * W * C };
}

const maxOf = (cells) => cells.reduce((a, b) => (b > a ? b : a));
const averageOf = (cells) => {
  const n = BigInt(cells.length);
  return floorDiv(2n * cells.reduce((a, b) => a + b, 0n) + n, 2n * n);
};

module.exports = { handMadePooling, maxOf, averageOf };
