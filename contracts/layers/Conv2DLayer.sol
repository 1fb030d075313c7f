// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {WeightPages} from "../lib/WeightPages.sol";
import {SpatialBase} from "./base/SpatialBase.sol";
import {Activations} from "../lib/Activations.sol";
import {KernelSizeMismatch, UnsupportedWeightBits} from "../lib/LayerErrors.sol";

/// @title Conv2DLayer
/// @notice Keras Conv2D (channels last, no dilation, 'valid' or 'same' padding):
///         `activation(rescale(sum x * kernel, F + kernelFrac, F) + rescale(bias, biasFrac, F))`.
/// @dev The kernel is `blocked` (docs/FORMAT.md): for each block of E = 256/L filters, one
///      32-byte word per kernel row r = (dy * KW + dx) * C + c. Each block is streamed into one
///      reused buffer and expanded once into signed SWAR lanes, its real filters only (the last
///      block's padding lanes are dropped: `SpatialBase._fit`, `_expand`); for every
///      output position the rows under the window form up to KH contiguous runs (of the input
///      and of the block alike), summed by the SWAR loop of `SpatialBase._accumulate`. Padded
///      cells are skipped, not multiplied by zero. Where runs are short (few channels times
///      kernel columns: `_tapMajor`) and the block takes 1 or 2 groups, the block goes tap-major
///      instead (`_rowsByTaps`): an output row at a time, each tap is added to every position
///      of the row whose window holds it, into accumulators in memory, then the row's sums are
///      scattered at once. Both add the same terms mod 2^256: the same exact sums.
contract Conv2DLayer is SpatialBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/conv2d.py).
    struct Config {
        uint256 fracBits; // F, activations' fractional bits
        uint256 weightBits; // L: 8, 16 or 32
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 kernelHeight;
        uint256 kernelWidth;
        uint256 filters;
        uint256 strideY;
        uint256 strideX;
        uint256 padTop;
        uint256 padLeft;
        uint256 outHeight;
        uint256 outWidth;
        uint256 activation;
        WeightTensor kernel;
        WeightTensor bias;
    }

    /// @notice Output elements `[start, end)` (clamped) of the convolution: `forward`,
    ///         `forwardSlice` and `forwardWindow` (`SlicedLayerBase`). Only the output positions
    ///         (pixels) that the range touches are computed, all filters each but at a position
    ///         the range only partly covers, where only the blocks of E filters holding its
    ///         filters run (`Cut`), so the gas is roughly in proportion to the range, plus the
    ///         cost of streaming and expanding the kernel's blocks once (up to three times for a
    ///         range with partial positions at both ends); they read only the input rows under
    ///         them (`_inputRows`).
    /// @dev Reverts `ActivationsTooLarge` only when no 256-bit slot holds the exact sums
    ///      (max|x| * rows * 2^(L-1) >= 2^254 over the rows read), which no real model reaches;
    ///      `KernelSizeMismatch` when the config's kernel is not `blocks * rows * 32` bytes.
    /// @param xs    One image (height, width, channels), flattened, fixed point 2^-F (or a window of it).
    /// @param pages Every weight page of the model, in order (SSTORE2 data contracts).
    /// @param start First element wanted (flat index into (outHeight, outWidth, filters)).
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)` (clamped to the output), fixed point 2^-F.
    /// @return size   outHeight * outWidth * filters.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (Config memory c, bytes memory raw) = _checkedConfig(xs);
        size = c.outHeight * c.outWidth * c.filters;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        Cut memory cut = _cut(c, from, to);
        output = _positions(c, _image(xs, c, cut.first, cut.last), pages, cut);
        _applyPost(raw, pages, output, c.fracBits, c.weightBits, c.filters);
        output = _trim(output, from - cut.first * c.filters, to - cut.first * c.filters);
    }

    /// @notice The positions `[first, last)` a slice touches, and the filters computed at the
    ///         partial ones: `[head, filters)` at `first` and `[0, tail)` at `last - 1` (both at
    ///         the one position when `last = first + 1`: `[head, tail)`); all at the others.
    ///         `head` and `tail` fall on blocks of E filters (multiples of E, or `tail = filters`).
    struct Cut {
        uint256 first;
        uint256 last;
        uint256 head;
        uint256 tail;
    }

    /// @dev The `Cut` of elements `[from, to)`, widened to whole blocks of E filters (so a
    ///      partial position whose blocks are all needed is whole): whole positions under a
    ///      softmax (it needs every filter of a position) or for an empty range (every block
    ///      runs, as for `forward`).
    function _cut(Config memory c, uint256 from, uint256 to) private pure returns (Cut memory cut) {
        uint256 first = from / c.filters; // the first position the range touches
        uint256 last = to == from ? first : (to - 1) / c.filters + 1; // one past the last
        cut = Cut(first, last, 0, c.filters);
        if (c.activation != Activations.SOFTMAX && from < to) {
            uint256 perWord = 256 / c.weightBits;
            cut.head = (from - first * c.filters) / perWord * perWord;
            cut.tail = _min(c.filters, (to - (last - 1) * c.filters + perWord - 1) / perWord * perWord);
        }
    }

    /// @dev The image as positions `[first, last)` read it: the input rows under them (`_need`ed).
    function _image(Input[] memory xs, Config memory c, uint256 first, uint256 last)
        private
        pure
        returns (Image memory x)
    {
        (uint256 lo, uint256 hi) =
            _inputRows(xs, first, last, c.outWidth, c.strideY, c.padTop, c.kernelHeight, c.height, c.width * c.channels);
        x = Image(_at(xs, 0, 0), _at(xs, 0, lo), _at(xs, 0, hi));
    }

    /// @dev The config, after the input checks every entry point makes.
    function _checkedConfig(Input[] memory xs) private view returns (Config memory c, bytes memory raw) {
        raw = _config();
        c = abi.decode(raw, (Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
    }

    /// @dev The layer's output at positions `[cut.first, cut.last)` (position p = oy * outWidth +
    ///      ox): `(last - first) * filters` values, fixed point 2^-F, those of the filters the cut
    ///      leaves out of a partial position (past their blocks) as bias and activation make zeros.
    function _positions(Config memory c, Image memory x, address[] calldata pages, Cut memory cut)
        private
        view
        returns (int256[] memory output)
    {
        output = new int256[]((cut.last - cut.first) * c.filters);
        int256[] memory bias = _readRescaled(pages, c.bias, c.weightBits, c.filters, int256(c.fracBits), 0);
        // Bias, rescale and activation over whole positions: the bias and a softmax over the
        // channels line up as in the full output (a softmax's cut is whole positions).
        if (_convolve(c, x, pages, output, cut, bias)) {
            Activations.activate(output, c.activation, c.fracBits, c.filters); // rescaled, with the bias
        } else {
            _finishSums(output, c.fracBits, c.kernel.fracBits, bias, c.filters, c.activation);
        }
    }

    /// @dev The sums of the cut's filters at positions `[cut.first, cut.last)`, block by block of
    ///      E filters: rescaled to F with `bias` (2^-F) added when `folded` (`_foldBias`: the
    ///      scatter does it), else the exact sums `sum x q`.
    function _convolve(
        Config memory c,
        Image memory x,
        address[] calldata pages,
        int256[] memory output,
        Cut memory cut,
        int256[] memory bias
    ) private view returns (bool folded) {
        uint256 rows = _kernelRows(c);
        Swar memory s = _swar(c.weightBits, x.readFrom, x.readTo, rows);
        _fit(s, _min(256 / c.weightBits, c.filters), true); // the first block has the most groups
        Run memory run = _newRun(c, x, output, cut.first);
        run.weightBase = _memoryOf(_expanded(c, s, rows));
        (run.biasTable, folded) = _fold(s, bias, c.kernel.fracBits);
        if (_tapMajor(c)) run.accBase = _memoryOf(new bytes(c.outWidth * s.groups * 32));
        _cutBlocks(c, pages, s, run, cut);
    }

    /// @dev The cut in up to three runs of `_blocks`: the first position's filters `[head, ...)`,
    ///      the whole positions between, the last position's `[0, tail)`; one run for one
    ///      position (`[head, tail)`), no positions, or whole positions only (as `forward`).
    function _cutBlocks(Config memory c, address[] calldata pages, Swar memory s, Run memory run, Cut memory cut)
        private
        view
    {
        (uint256 from, uint256 to) = (cut.first, cut.last);
        if (to - from <= 1) return _blocks(c, pages, s, run, [from, to, cut.head, cut.tail]);
        if (cut.head != 0) {
            _blocks(c, pages, s, run, [from, from + 1, cut.head, c.filters]);
            ++from;
        }
        if (cut.tail != c.filters) --to;
        if (from < to) _blocks(c, pages, s, run, [from, to, 0, c.filters]);
        if (to != cut.last) _blocks(c, pages, s, run, [to, cut.last, 0, cut.tail]);
    }

    /// @dev The buffer of a block's expanded words: `rows` of G (the first block's, the most),
    ///      or of 4 for `_pair`.
    function _expanded(Config memory c, Swar memory s, uint256 rows) private pure returns (bytes memory) {
        return new bytes(rows * 32 * (_paired(c) && s.groups < 4 ? 4 : s.groups));
    }

    /// @dev Whether `_blocks` runs full int32 blocks in pairs (position-major only).
    function _paired(Config memory c) private pure returns (bool) {
        return c.weightBits == 32 && !_tapMajor(c) && c.filters >= 16;
    }

    /// @dev At positions `[part[0], part[1])`, the blocks of E filters (KH KW C words each) of
    ///      filters `[part[2], part[3])` (whole blocks: multiples of E, or the last filter), by
    ///      pairs of full blocks when `_paired`.
    function _blocks(Config memory c, address[] calldata pages, Swar memory s, Run memory run, uint256[4] memory part)
        private
        view
    {
        uint256 rows = c.kernelHeight * c.kernelWidth * c.channels;
        uint256 perWord = 256 / c.weightBits;
        bool pairs = _paired(c);
        (run.firstPosition, run.endPosition) = (part[0], part[1]);
        uint256 stop = part[3]; // past the last block: a multiple of E, or the last filter
        Buffers memory b = Buffers(new bytes(rows * 32), "", "");
        if (pairs) (b.other, b.halves) = (new bytes(rows * 32), new bytes(rows * 128));
        for (uint256 k = part[2] / perWord; k * perWord < stop;) {
            if (pairs && (k + 2) * perWord <= stop) {
                _pair(c, pages, s, run, b, k);
                k += 2;
            } else {
                _block(c, pages, s, run, b.raw, k);
                ++k;
            }
        }
    }

    /// @dev The weight buffers of `_convolve`: one block's blocked words, and for `_pair` the
    ///      second block's and both blocks' expansions before they are interleaved.
    struct Buffers {
        bytes raw;
        bytes other;
        bytes halves;
    }

    /// @dev Blocks `k` and `k + 1` (int32: 8 filters each, 2 groups of 64-bit slots): when both
    ///      take 64-bit slots, one position-major pass of 4 groups over both (`Swar.pair`), which
    ///      reads each input value once for 16 filters (`_accumulate`'s 4-group loop, cheaper a
    ///      MAC than two 2-group ones); else each block as `_block`.
    function _pair(Config memory c, address[] calldata pages, Swar memory s, Run memory run, Buffers memory b, uint256 k)
        private
        view
    {
        uint256 rows = b.raw.length / 32;
        WeightPages.readInto(pages, c.kernel.offset + k * b.raw.length, b.raw);
        WeightPages.readInto(pages, c.kernel.offset + (k + 1) * b.raw.length, b.other);
        (uint256 first, uint256 second) = (_memoryOf(b.raw), _memoryOf(b.other));
        if (_blockSlot(s, first, rows, 8, 32) != 64 || _blockSlot(s, second, rows, 8, 32) != 64) {
            _runBlock(c, s, run, first, rows, k);
            return _runBlock(c, s, run, second, rows, k + 1);
        }
        s.slotBits = 64;
        _fit(s, 8, true); // 2 groups a block
        uint256 halves = _memoryOf(b.halves);
        _expand(first, halves, rows, s, 32);
        _expand(second, halves + rows * 64, rows, s, 32);
        _interleave(run.weightBase, halves, halves + rows * 64, rows);
        run.firstFilter = k * 8;
        s.bias = run.biasTable + run.firstFilter * 32;
        (s.groups, s.lanes, s.passes, s.pair) = (4, 16, 1, 256);
        run.weightStep = c.kernelWidth * run.rowBytes * 4;
        _scan(c, s, run);
        s.pair = 0;
    }

    /// @dev Row r of `dst` (4 words) = row r of `a` (2 words), then row r of `b` (2 words).
    function _interleave(uint256 dst, uint256 a, uint256 b, uint256 rows) private pure {
        // Equivalent to: for r < rows: dst[4r .. 4r + 1] = a[2r .. 2r + 1]; dst[4r + 2 .. 4r + 3] = b[2r .. 2r + 1].
        assembly ("memory-safe") {
            for { let end := add(dst, shl(7, rows)) } lt(dst, end) { dst := add(dst, 0x80) } {
                mcopy(dst, a, 0x40)
                mcopy(add(dst, 0x40), b, 0x40)
                a := add(a, 0x40)
                b := add(b, 0x40)
            }
        }
    }

    /// @dev `_foldBias` of `bias`: its table, and `s.down` set for `_scatter`.
    function _fold(Swar memory s, int256[] memory bias, int256 kernelFrac) private pure returns (uint256 table, bool folded) {
        (table, s.down, folded) = _foldBias(bias, kernelFrac);
    }

    /// @dev The kernel's rows (KH KW C), after checking the weight width and the kernel's size.
    function _kernelRows(Config memory c) private pure returns (uint256 rows) {
        if (c.weightBits != 8 && c.weightBits != 16 && c.weightBits != 32) revert UnsupportedWeightBits(c.weightBits);
        rows = c.kernelHeight * c.kernelWidth * c.channels;
        uint256 perWord = 256 / c.weightBits;
        uint256 expected = (c.filters + perWord - 1) / perWord * rows * 32;
        if (c.kernel.size != expected) revert KernelSizeMismatch(c.kernel.offset, expected, c.kernel.size);
    }

    /// @dev Block `k`: up to E filters, `rows` words, streamed into the reused buffer `raw`,
    ///      then `_runBlock`.
    function _block(Config memory c, address[] calldata pages, Swar memory s, Run memory run, bytes memory raw, uint256 k)
        private
        view
    {
        WeightPages.readInto(pages, c.kernel.offset + k * raw.length, raw);
        _runBlock(c, s, run, _memoryOf(raw), raw.length / 32, k);
    }

    /// @dev Block `k` from its `rows` blocked words at `rawData`: expanded, then multiplied at
    ///      every output position the run covers.
    function _runBlock(Config memory c, Swar memory s, Run memory run, uint256 rawData, uint256 rows, uint256 k)
        private
        pure
    {
        bool byTaps = _fitBlock(c, s, run, k, rawData, rows);
        _expand(rawData, run.weightBase, rows, s, c.weightBits);
        if (byTaps) return _rowsByTaps(c, s, run);
        _scan(c, s, run);
    }

    /// @dev Every output position of the run, position-major (`_position`).
    function _scan(Config memory c, Swar memory s, Run memory run) private pure {
        uint256 width = c.outWidth;
        uint256 end = run.endPosition;
        uint256 oy = run.firstPosition / width;
        uint256 ox = run.firstPosition % width;
        unchecked {
            // Positions are below outHeight * outWidth, which fits memory: no counter overflows.
            for (uint256 p = run.firstPosition; p < end; ++p) {
                _position(c, s, run, oy, ox);
                if (++ox == width) (oy, ox) = (oy + 1, 0);
            }
        }
    }

    /// @dev Fits the plan to block `k` (its slot by its kernel, `_blockSlot`; `_fit`) and sets
    ///      the run's per-block constants; whether the block goes tap-major: when `_tapMajor`
    ///      allocated the accumulators and the block takes 1 or 2 groups (then not rounded to even).
    ///      `rawData`: the block's `rows` blocked words.
    function _fitBlock(Config memory c, Swar memory s, Run memory run, uint256 k, uint256 rawData, uint256 rows)
        private
        pure
        returns (bool byTaps)
    {
        uint256 perWord = 256 / c.weightBits;
        run.firstFilter = k * perWord;
        s.bias = run.biasTable + run.firstFilter * 32;
        uint256 lanes = _min(perWord, c.filters - run.firstFilter);
        s.slotBits = _blockSlot(s, rawData, rows, lanes, c.weightBits);
        _fit(s, lanes, run.accBase == 0);
        byTaps = run.accBase != 0 && s.groups <= 2;
        if (!byTaps) _fit(s, lanes, true);
        run.weightStep = c.kernelWidth * run.rowBytes * s.groups;
    }

    /// @dev The per-call constants of the SWAR kernel (see `SpatialBase.Run`; `_block` sets the
    ///      per-block ones) but `weightBase`. `output` holds the positions from `first` on.
    function _newRun(Config memory c, Image memory x, int256[] memory output, uint256 first)
        private
        pure
        returns (Run memory run)
    {
        run.rowBytes = c.channels * 32;
        run.inputStep = c.width * run.rowBytes;
        run.columnStep = c.strideX * run.rowBytes;
        uint256 outputBase;
        uint256 skipped = first * c.filters * 32; // bytes of the positions before `first`
        assembly ("memory-safe") {
            // Where output position 0 would be: `first` positions (filters words each) before
            // output[0]. It may wrap below zero; `_position` adds them back (mod 2^256).
            outputBase := sub(add(output, 0x20), skipped)
        }
        run.inputBase = x.base;
        run.outputBase = outputBase;
        run.firstPosition = first;
        _interior(c, run);
    }

    /// @dev Sets `run.interior` and `run.origin`: the output rows oy with 0 <= oy sy - padTop and
    ///      oy sy - padTop + KH <= H, likewise the columns, whose windows `_position` takes without
    ///      clipping.
    function _interior(Config memory c, Run memory run) private pure {
        unchecked {
            // Small geometry values: no sum overflows; each difference is taken only when positive.
            uint256 y0 = (c.padTop + c.strideY - 1) / c.strideY;
            uint256 y1 = c.height + c.padTop >= c.kernelHeight ? (c.height + c.padTop - c.kernelHeight) / c.strideY + 1 : 0;
            uint256 x0 = (c.padLeft + c.strideX - 1) / c.strideX;
            uint256 x1 = c.width + c.padLeft >= c.kernelWidth ? (c.width + c.padLeft - c.kernelWidth) / c.strideX + 1 : 0;
            run.interior = y0 | (y1 << 64) | (x0 << 128) | (x1 << 192);
            // Wraps below 0 when padded; `_position` adds the window's offset back (mod 2^256).
            run.origin = run.inputBase - (c.padTop * c.width + c.padLeft) * run.rowBytes;
        }
    }

    /// @dev One output position: the window's rows inside the input form `count` runs of
    ///      `(dx1 - dx0) C` contiguous rows, in the input and in the block alike.
    function _position(Config memory c, Swar memory s, Run memory run, uint256 oy, uint256 ox) private pure {
        uint256 xStart;
        uint256 wStart;
        uint256 count;
        bool inside;
        assembly ("memory-safe") {
            // Equivalent to: y0 <= oy < y1 and x0 <= ox < x1 (run.interior at 0x240).
            let i := mload(add(run, 0x240))
            let m := 0xffffffffffffffff
            inside := and(
                and(iszero(lt(oy, and(i, m))), lt(oy, and(shr(64, i), m))),
                and(iszero(lt(ox, and(shr(128, i), m))), lt(ox, shr(192, i)))
            )
        }
        if (inside) {
            unchecked {
                // The whole window: KH runs of KW C rows from the block's first word.
                xStart = run.origin + (oy * c.strideY * c.width + ox * c.strideX) * run.rowBytes;
            }
            wStart = run.weightBase;
            count = c.kernelHeight;
            run.length = c.kernelWidth * run.rowBytes;
        } else {
            (xStart, wStart, count) = _window(c, run, s, oy, ox);
        }
        unchecked {
            // The position's first output: output[(oy OW + ox - first) filters] (`_newRun`), one
            // of the positions the output holds.
            run.outputRow = run.outputBase + (oy * c.outWidth + ox) * c.filters * 32;
            // pass < passes <= 8; each pass starts 4 expanded words (128 bytes) further.
            for (uint256 pass = 0; pass < s.passes; ++pass) {
                _accumulate(run, s, xStart, wStart + pass * 128, count, pass);
            }
        }
    }

    /// @dev Clips the window of output (oy, ox) to the input: sets `run.length` and returns the
    ///      first run's input offset and expanded-weight address, and the number of runs.
    function _window(Config memory c, Run memory run, Swar memory s, uint256 oy, uint256 ox)
        private
        pure
        returns (uint256 xStart, uint256 wStart, uint256 count)
    {
        unchecked {
            // Geometry values are small (the tensors fit in memory), so the int256 casts are
            // exact; the window is clipped to the input, so every pointer stays inside the
            // input and the expanded block.
            {
                (uint256 dy0, uint256 dy1, int256 iy) = _clip(oy * c.strideY, c.padTop, c.kernelHeight, c.height);
                count = dy1 - dy0;
                xStart = uint256(iy + int256(dy0)) * c.width; // first input row's pixel index
                wStart = dy0 * c.kernelWidth; // first kernel row's tap index
            }
            (uint256 dx0, uint256 dx1, int256 ix) = _clip(ox * c.strideX, c.padLeft, c.kernelWidth, c.width);
            run.length = (dx1 - dx0) * run.rowBytes;
            xStart = run.inputBase + (xStart + uint256(ix + int256(dx0))) * run.rowBytes;
            wStart = run.weightBase + (wStart + dx0) * run.rowBytes * s.groups;
        }
    }

    /// @dev Whether the tap-major path (`_rowsByTaps`) is the cheaper for this geometry: short
    ///      runs of input rows (C KW) and output rows wide enough to spread the cost of each
    ///      (row, tap) over; `_fitBlock` then takes it for blocks of 1 or 2 groups. Measured with
    ///      bench/gas_conv.js (gas/MAC, int32, tap-major vs position-major): 28x28x1 -> 6 5x5
    ///      44.4 vs 54.3; 8x8x1 -> 8 3x3 100 vs 109; 16x16x8 -> 4 3x3 30.7 vs 41.4, -> 16 21.5 vs
    ///      22.3; 24x24x16 -> 48 1x1 58.4 vs 70.0; but 14x14x6 -> 16 5x5 (C KW = 30) 19.1 vs 17.5,
    ///      3x3x8 -> 16 3x3 valid (one column) 118 vs 98, and blocks of 4 groups (16x16x8 -> 16
    ///      3x3 int8) 24.9 vs 19.3.
    function _tapMajor(Config memory c) private pure returns (bool) {
        return c.channels * c.kernelWidth <= TAP_MAJOR_MAX_RUN && c.outWidth >= TAP_MAJOR_MIN_COLUMNS;
    }

    /// @dev The longest run of input rows (C KW) and the fewest output columns for which
    ///      `_tapMajor` picks the tap-major path.
    uint256 private constant TAP_MAJOR_MAX_RUN = 24;
    uint256 private constant TAP_MAJOR_MIN_COLUMNS = 4;

    /// @dev The memory address of `b`'s first byte.
    function _memoryOf(bytes memory b) private pure returns (uint256 data) {
        assembly ("memory-safe") {
            data := add(b, 0x20)
        }
    }

    /// @dev Tap-major: the block's sums at positions `[run.firstPosition, run.endPosition)`, an
    ///      output row (or the part of it in the range) at a time.
    function _rowsByTaps(Config memory c, Swar memory s, Run memory run) private pure {
        uint256 width = c.outWidth;
        uint256 end = run.endPosition;
        unchecked {
            // Positions are below outHeight * outWidth, which fits memory: no counter overflows.
            for (uint256 p = run.firstPosition; p < end;) {
                uint256 oy = p / width;
                uint256 rowEnd = _min((oy + 1) * width, end);
                _rowByTaps(c, s, run, oy, p - oy * width, rowEnd - oy * width);
                p = rowEnd;
            }
        }
    }

    /// @dev Output row `oy`, columns `[ox0, ox1)`: for every tap (dy, dx, c) inside the input,
    ///      adds `x * expanded` to the accumulators (`run.accBase`, G words a position) of the
    ///      columns whose window holds it (`_columns`), then writes their sums (`_scatterRow`).
    function _rowByTaps(Config memory c, Swar memory s, Run memory run, uint256 oy, uint256 ox0, uint256 ox1)
        private
        pure
    {
        TapRow memory r = _tapRow(c, run, oy, ox0);
        // Interior columns [inLo, inHi): every kernel column inside the input, so a kernel row's
        // KW C taps are one run (`_accumulateTaps` takes them in pairs); none: [ox1, ox1).
        (uint256 inLo,) = _columns(c, 0, ox0, ox1);
        (, uint256 inHi) = _columns(c, c.kernelWidth - 1, ox0, ox1);
        if (inLo >= inHi) (inLo, inHi) = (ox1, ox1);
        run.length = c.kernelWidth * run.rowBytes;
        _tapSpan(c, s, run, r, 0, inLo, inHi);
        // The edge columns, a kernel column (C taps) at a time: those of [lo, hi) left and right
        // of the interior.
        run.length = run.rowBytes;
        for (uint256 dx = 0; dx < c.kernelWidth; ++dx) {
            (uint256 lo, uint256 hi) = _columns(c, dx, ox0, ox1);
            _tapSpan(c, s, run, r, dx, lo, _min(hi, inLo));
            _tapSpan(c, s, run, r, dx, lo > inHi ? lo : inHi, hi);
        }
        _scatterRow(c, s, run, oy * c.outWidth, ox0, ox1);
    }

    /// @notice Output row `oy`'s kernel rows inside the input, `[dy0, dy1)`, for `_tapRows`.
    struct TapRow {
        uint256 xRow; // calldata offset of input row iy + dy0's column 0
        uint256 wRow; // memory address of tap (dy0, 0)'s first expanded word
        uint256 rows; // dy1 - dy0
        uint256 ox0; // the row's first output column computed (its accumulators start at run.accBase)
    }

    /// @dev The `TapRow` of output row `oy` from column `ox0` on.
    function _tapRow(Config memory c, Run memory run, uint256 oy, uint256 ox0) private pure returns (TapRow memory r) {
        (uint256 dy0, uint256 dy1, int256 iy) = _clip(oy * c.strideY, c.padTop, c.kernelHeight, c.height);
        unchecked {
            // Geometry values are small (the tensors fit in memory), so the int256 cast is
            // exact; row iy + dy0 >= 0 is inside the input (or rows = 0).
            r.xRow = run.inputBase + uint256(iy + int256(dy0)) * run.inputStep;
            r.wRow = run.weightBase + dy0 * run.weightStep;
            r.rows = dy1 - dy0;
        }
        r.ox0 = ox0;
    }

    /// @dev Adds the row's taps from kernel column `dx` on (`run.length / 32` of them a kernel
    ///      row) to the accumulators of output columns `[lo, hi)` (nothing if empty), whose
    ///      windows hold them inside the input.
    function _tapSpan(Config memory c, Swar memory s, Run memory run, TapRow memory r, uint256 dx, uint256 lo, uint256 hi)
        private
        pure
    {
        if (lo >= hi) return;
        uint256 xp;
        uint256 wp;
        unchecked {
            // Small geometry values; the rows and columns [lo, hi) are inside the input, so every
            // pointer stays inside the input and the expanded block. Input column of output
            // column lo at tap dx: lo sx + dx - padLeft >= 0.
            xp = r.xRow + (lo * c.strideX + dx - c.padLeft) * run.rowBytes;
            wp = r.wRow + dx * run.rowBytes * s.groups;
            hi -= lo; // positions
            lo = run.accBase + (lo - r.ox0) * s.groups * 32; // their first accumulator
        }
        _accumulateTaps(run, s, xp, wp, lo, hi, r.rows);
    }

    /// @dev The output columns `[lo, hi)` within `[ox0, ox1)` whose window's column `dx` is inside
    ///      the input: `0 <= ox sx - padLeft + dx < width`.
    function _columns(Config memory c, uint256 dx, uint256 ox0, uint256 ox1) private pure returns (uint256 lo, uint256 hi) {
        unchecked {
            // Small geometry values: no sum overflows; each difference is taken only when positive.
            lo = c.padLeft > dx ? (c.padLeft - dx + c.strideX - 1) / c.strideX : 0; // ceil((padLeft - dx) / sx)
            hi = c.width + c.padLeft > dx ? (c.width + c.padLeft - dx - 1) / c.strideX + 1 : 0;
        }
        lo = lo > ox0 ? lo : ox0;
        hi = _min(hi, ox1);
    }

    /// @dev Writes the sums of output row positions `rowStart + [ox0, ox1)` from their
    ///      accumulators to the output (`_scatter`, pass by pass), then zeroes the accumulators.
    function _scatterRow(Config memory c, Swar memory s, Run memory run, uint256 rowStart, uint256 ox0, uint256 ox1)
        private
        pure
    {
        uint256 acc = run.accBase;
        unchecked {
            // Positions below outHeight * outWidth, pass < passes <= 8: nothing overflows; the
            // output address is `_newRun`'s (mod 2^256), inside the output.
            uint256 out = run.outputBase + ((rowStart + ox0) * c.filters + run.firstFilter) * 32;
            for (uint256 pass = 0; pass < s.passes; ++pass) {
                _scatter(acc + pass * 128, out, s, pass, ox1 - ox0, c.filters * 32);
            }
            acc += (ox1 - ox0) * s.groups * 32;
        }
        uint256 start = run.accBase;
        assembly ("memory-safe") {
            // Equivalent to zeroing the accumulators used: a copy from past the calldata's end
            // reads zeros.
            calldatacopy(start, calldatasize(), sub(acc, start))
        }
    }
}
