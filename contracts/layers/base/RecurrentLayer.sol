// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed, FixedMath} from "../../lib/FixedMath.sol";
import {Activations} from "../../lib/Activations.sol";
import {ExtendedActivations} from "../../lib/ExtendedActivations.sol";
import {LayerBase} from "./LayerBase.sol";
import {BlockedMatVec} from "../../lib/BlockedMatVec.sol";

/// @title RecurrentLayer
/// @notice What SimpleRNN, LSTM and GRU share: the config, both kernels loaded into memory once,
///         the time loop and the output sequence (python/eternal/layers/recurrent_base.py).
/// @dev Per step: `zx = rescale(x_t @ kernel, F + kf, F)` and `zh = rescale(h @ recurrentKernel,
///      F + rf, F)` (each product rounded once, on its own), then the cell (`_step`) adds the
///      biases (rescaled to F once, at load) and applies the gates. The state starts at zero;
///      `goBackwards` walks the steps last to first and returns them in walking order (Keras).
///      Both kernels stay in memory for the whole sequence: they are read at every step, and
///      the memory they take costs less than streaming them again from the pages per step.
abstract contract RecurrentLayer is LayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/recurrent_base.py).
    struct Config {
        uint256 fracBits; // F, activations' fractional bits
        uint256 weightBits; // L: 8, 16 or 32
        uint256 inputDim; // features per time step
        uint256 units;
        uint256 activation; // Activations code
        uint256 recurrentActivation; // Activations code (unused by SimpleRNN)
        bool returnSequences;
        bool goBackwards;
        WeightTensor kernel; // (inputDim, gates * units), blocked
        WeightTensor recurrentKernel; // (units, gates * units), blocked
        bool useBias;
        WeightTensor bias; // (gates * units) or, for GRU, (2, 3 * units); plain
    }

    /// @notice Working memory of one `forward` call, allocated once and reused by every step.
    struct State {
        BlockedMatVec.Matrix kernel;
        BlockedMatVec.Matrix recurrent;
        int256[] bias; // biasRows * gates * units, rescaled to F (zeros without bias)
        int256[] input; // x_t
        int256[] zx; // rescale(x_t @ kernel)
        int256[] zh; // rescale(h @ recurrentKernel)
        int256[] h; // hidden state, 2^-F
        int256[] cell; // LSTM cell state, 2^-F (empty otherwise)
    }

    /// @notice The input has `length` values: not a whole number of steps of `inputDim` features.
    error SequenceLengthMismatch(uint256 length, uint256 inputDim);
    /// @notice A gate product `a * b + c * d` has an operand of 2^126 or more (2^-F scale).
    error GateOperandTooLarge(int256 a, int256 b, int256 c, int256 d);
    /// @notice Activation code `kind` cannot run inside a recurrent cell (softmax).
    error UnsupportedRecurrentActivation(uint256 kind);

    /// @notice A Keras Bidirectional wrapper's tail after the config: the backward layer's
    ///         tensors (it walks the other way) and how the two outputs merge.
    struct Backward {
        WeightTensor kernel;
        WeightTensor recurrentKernel;
        WeightTensor bias;
        uint256 mergeMode; // MERGE_CONCAT, MERGE_SUM, MERGE_MUL or MERGE_AVE
    }

    uint256 private constant CONFIG_BYTES = 18 * 32;
    uint256 internal constant MERGE_CONCAT = 0;
    uint256 internal constant MERGE_SUM = 1;
    uint256 internal constant MERGE_MUL = 2;
    uint256 internal constant MERGE_AVE = 3;

    /// @notice The merge mode code of a Bidirectional config is not one of the four.
    error UnsupportedMergeMode(uint256 mode);

    /// @notice Runs the layer over the whole sequence. See `ILayer.forward`. A config with a
    ///         `Backward` tail (Keras Bidirectional) runs it a second time the other way with the
    ///         backward tensors, turns that output back into time order (Keras' reversal) and merges:
    ///         per step `[forward, backward]` (concat), `f + b`, `rescale(f * b, 2F, F)` or
    ///         `floor((2(f + b) + 2) / 4)` (the mean rounded half up, as Average).
    /// @param inputs One tensor (timesteps, inputDim), flattened, fixed point 2^-F.
    /// @param pages  Every weight page of the model, in order (SSTORE2 data contracts).
    /// @return output (timesteps, units) with `returnSequences`, else the last (units); 2^-F. A
    ///         concat has `2 units` per step.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        _expectInputs(inputs, 1);
        bytes memory raw = _config();
        Config memory c = abi.decode(raw, (Config));
        int256[] calldata x = inputs[0];
        if (c.inputDim == 0 || x.length % c.inputDim != 0) revert SequenceLengthMismatch(x.length, c.inputDim);
        uint256 steps = x.length / c.inputDim;
        uint256 at;
        assembly ("memory-safe") {
            at := x.offset
        }
        output = _run(c, at, steps, pages);
        if (raw.length <= CONFIG_BYTES) return output;
        Backward memory back = _backward(raw);
        (c.kernel, c.recurrentKernel, c.bias, c.goBackwards) = (back.kernel, back.recurrentKernel, back.bias, !c.goBackwards);
        output = _merge(output, _run(c, at, steps, pages), back.mergeMode, c);
    }

    /// @dev The `Backward` tail of a Bidirectional config. Clobbers `raw`'s last config word.
    function _backward(bytes memory raw) private pure returns (Backward memory back) {
        bytes memory tail;
        uint256 base = CONFIG_BYTES;
        assembly ("memory-safe") {
            // Equivalent to `tail = raw[CONFIG_BYTES:]` in place.
            tail := add(raw, base)
            mstore(tail, sub(mload(raw), base))
        }
        back = abi.decode(tail, (Backward));
        if (back.mergeMode > MERGE_AVE) revert UnsupportedMergeMode(back.mergeMode);
    }

    /// @dev The two directions' outputs merged, the backward one read in time order (its step i is
    ///      time `steps - 1 - i`).
    function _merge(int256[] memory fwd, int256[] memory bwd, uint256 mode, Config memory c)
        private
        pure
        returns (int256[] memory output)
    {
        uint256 units = c.units;
        uint256 steps = fwd.length / units;
        uint256 width = mode == MERGE_CONCAT ? 2 * units : units;
        output = new int256[](steps * width);
        for (uint256 t; t < steps; ++t) {
            uint256 b = (steps - 1 - t) * units;
            for (uint256 j; j < units; ++j) {
                (int256 f, int256 v) = (fwd[t * units + j], bwd[b + j]);
                if (mode == MERGE_CONCAT) {
                    (output[t * width + j], output[t * width + units + j]) = (f, v);
                } else if (mode == MERGE_SUM) {
                    output[t * units + j] = f + v;
                } else if (mode == MERGE_MUL) {
                    output[t * units + j] = FixedMath.rescaleInt(f * v, int256(2 * c.fracBits), int256(c.fracBits));
                } else {
                    output[t * units + j] = _floorDiv(2 * (f + v) + 2, 4);
                }
            }
        }
    }

    /// @dev floor(a / b) for b > 0.
    function _floorDiv(int256 a, int256 b) private pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) --q;
    }

    /// @dev One direction over the whole sequence of `steps` steps at calldata offset `x`, as
    ///      `forward` returns it.
    function _run(Config memory c, uint256 x, uint256 steps, address[] calldata pages)
        private
        view
        returns (int256[] memory output)
    {
        State memory s = _load(c, pages);
        output = new int256[](c.returnSequences ? steps * c.units : c.units);
        for (uint256 i; i < steps; ++i) {
            uint256 t = c.goBackwards ? steps - 1 - i : i;
            int256[] memory input = s.input;
            uint256 rowBytes = c.inputDim * 32;
            // Equivalent to `input[j] = x[t * inputDim + j]` for every j.
            assembly ("memory-safe") {
                calldatacopy(add(input, 0x20), add(x, mul(t, rowBytes)), rowBytes)
            }
            BlockedMatVec.mulInto(s.kernel, s.input, s.zx, c.fracBits);
            BlockedMatVec.mulInto(s.recurrent, s.h, s.zh, c.fracBits);
            _step(c, s);
            if (c.returnSequences) _copy(s.h, output, i * c.units * 32);
        }
        if (!c.returnSequences) _copy(s.h, output, 0);
    }

    /// @notice Gates per unit: SimpleRNN 1, LSTM 4 (i, f, c, o), GRU 3 (z, r, h).
    function _gates() internal pure virtual returns (uint256);

    /// @notice Bias rows: 1, or 2 for GRU (input bias, recurrent bias).
    function _biasRows() internal pure virtual returns (uint256) {
        return 1;
    }

    /// @notice Whether the cell keeps a second state vector (LSTM's `c`).
    function _hasCell() internal pure virtual returns (bool) {
        return false;
    }

    /// @notice One time step: reads `s.zx`, `s.zh`, `s.bias` and the state, writes the new state.
    /// @param c The layer config.
    /// @param s The running state and this step's pre-activation parts.
    function _step(Config memory c, State memory s) internal pure virtual;

    /// @notice `activation(v)` for one value, bit-exact with `Activations.activate` (no softmax).
    /// @dev The extended codes (6 and up) run `ExtendedActivations` here, on one word, last (the
    ///      first six keep their cost): a call to an `ActivationKernels` per gate value would cost
    ///      ~1,200 gas more per value than the 3 KB of code it saves.
    /// @param kind An `Activations` or `ExtendedActivations` code. @param v Fixed point 2^-frac. @param frac F.
    function _activate(uint256 kind, int256 v, uint256 frac) internal pure returns (int256) {
        if (kind == Activations.LINEAR) return v;
        if (kind == Activations.SIGMOID) return Fixed.unwrap(FixedMath.sigmoid(Fixed.wrap(v), frac));
        if (kind == Activations.TANH) return Fixed.unwrap(FixedMath.tanh(Fixed.wrap(v), frac));
        if (kind == Activations.RELU) return v < 0 ? int256(0) : v;
        if (kind == Activations.LEAKY_RELU) {
            if (v >= 0) return v;
            return Fixed.unwrap(
                FixedMath.mulConst(Fixed.wrap(v), Activations.LEAKY_SLOPE_Q, Activations.LEAKY_SLOPE_FRAC, frac)
            );
        }
        if (kind > Activations.LEAKY_RELU) return _activateExtended(kind, v, frac);
        revert UnsupportedRecurrentActivation(kind);
    }

    /// @dev `ExtendedActivations.applyInPlace` of the one value `v`, in the word at the free memory
    ///      pointer (not reserved: the library allocates no memory; FixedMath's own scratch word 0
    ///      is left to it). Reverts as the library does (`UnknownActivation` for other codes).
    function _activateExtended(uint256 kind, int256 v, uint256 frac) private pure returns (int256 y) {
        uint256 at;
        // Equivalent to a one-word array holding v, without moving the free memory pointer.
        assembly ("memory-safe") {
            at := mload(0x40)
            mstore(at, v)
        }
        ExtendedActivations.applyInPlace(at, at + 32, kind, frac);
        assembly ("memory-safe") {
            y := mload(at)
        }
    }

    /// @notice `zx[k] + zh[k] + bias[k]` for every k, written over `s.zx` (checked adds).
    /// @param s The state holding `zx`, `zh` and `bias`, fixed point 2^-F.
    /// @return z `s.zx`, now holding the sums.
    function _preActivations(State memory s) internal pure returns (int256[] memory z) {
        z = s.zx;
        int256[] memory zh = s.zh;
        int256[] memory bias = s.bias;
        for (uint256 k; k < z.length; ++k) {
            z[k] = z[k] + zh[k] + bias[k];
        }
    }

    /// @notice `rescale(a * b, 2F, F)`: the product of two activations back to 2^-F.
    /// @param a    Fixed point 2^-F.
    /// @param b    Fixed point 2^-F.
    /// @param frac F.
    function _mul(int256 a, int256 b, uint256 frac) internal pure returns (int256) {
        return _mulAdd(a, b, 0, 0, frac);
    }

    /// @notice `rescale(a * b + c * d, 2F, F)`, one rounding (half up) for the sum of products.
    /// @dev Reverts `GateOperandTooLarge` unless every operand is below 2^126 in magnitude: then
    ///      each product is below 2^252 and their sum (plus the rounding half) below 2^254, so the
    ///      unchecked arithmetic is exact. Gates and states are far smaller (|v| <= 2^F for
    ///      sigmoid/tanh gates); only absurd inputs reach the bound.
    /// @param a    Fixed point 2^-F.
    /// @param b    Fixed point 2^-F.
    /// @param c    Fixed point 2^-F.
    /// @param d    Fixed point 2^-F.
    /// @param frac F.
    /// @return v The rounded sum, fixed point 2^-F.
    function _mulAdd(int256 a, int256 b, int256 c, int256 d, uint256 frac) internal pure returns (int256 v) {
        bool tooLarge;
        // Equivalent to: if any |operand| >= 2^126 revert; v = rescaleInt(a*b + c*d, 2F, F).
        assembly ("memory-safe") {
            let limit := shl(126, 1)
            // |v| < 2^126  <=>  v + 2^126 < 2^127 as an unsigned number.
            tooLarge := or(
                or(iszero(lt(add(a, limit), shl(127, 1))), iszero(lt(add(b, limit), shl(127, 1)))),
                or(iszero(lt(add(c, limit), shl(127, 1))), iszero(lt(add(d, limit), shl(127, 1))))
            )
            v := add(mul(a, b), mul(c, d))
            if frac { v := sar(frac, add(v, shl(sub(frac, 1), 1))) } // F <= 64 (FixedMath.MAX_FRAC)
        }
        if (tooLarge) revert GateOperandTooLarge(a, b, c, d);
    }

    /// @dev Both kernels and the bias into memory, plus the per-step vectors.
    function _load(Config memory c, address[] calldata pages) private view returns (State memory s) {
        uint256 n = _gates() * c.units;
        s.kernel = BlockedMatVec.load(
            pages, c.kernel.offset, c.kernel.size, c.inputDim, n, c.weightBits, c.kernel.fracBits
        );
        s.recurrent = BlockedMatVec.load(
            pages, c.recurrentKernel.offset, c.recurrentKernel.size, c.units, n, c.weightBits, c.recurrentKernel.fracBits
        );
        uint256 biasCount = _biasRows() * n;
        if (c.useBias) {
            s.bias = _readRescaled(pages, c.bias, c.weightBits, biasCount, int256(c.fracBits), 0);
        } else {
            s.bias = new int256[](biasCount);
        }
        s.input = new int256[](c.inputDim);
        s.zx = new int256[](n);
        s.zh = new int256[](n);
        s.h = new int256[](c.units);
        s.cell = new int256[](_hasCell() ? c.units : 0);
    }

    /// @dev Copies `from` into `to` starting `byteOffset` bytes into its data.
    function _copy(int256[] memory from, int256[] memory to, uint256 byteOffset) private pure {
        // Equivalent to `to[byteOffset / 32 + j] = from[j]` for every j (callers keep it in bounds).
        assembly ("memory-safe") {
            mcopy(add(add(to, 0x20), byteOffset), add(from, 0x20), shl(5, mload(from)))
        }
    }
}
