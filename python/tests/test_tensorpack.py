"""Packed tensors in Python (docs/FORMAT.md): round trips at every width, the smallest
width, the exact bytes of hand-worked cases, and the malformed bytes refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal.errors import PackedTensorError
from eternal.tensorpack import pack, unpack, width_of, window

INT256 = st.integers(min_value=-(1 << 255), max_value=(1 << 255) - 1)


def signed_of_width(width: int):
    """Ints that need exactly ``width`` bytes (the widest the width holds, down to one past the one below)."""
    top = 1 << (8 * width - 1)
    below = 1 << (8 * width - 9) if width > 1 else 0
    return st.one_of(st.integers(below, top - 1), st.integers(-top, -below - 1))


def python_reference(values: list[int]) -> bytes:
    """The format as docs/FORMAT.md words it, one value at a time."""
    width = next(w for w in range(1, 33) if all(-(1 << (8 * w - 1)) <= v < (1 << (8 * w - 1)) for v in values))
    return bytes([width]) + b"".join(v.to_bytes(width, "big", signed=True) for v in values)


@settings(max_examples=300, deadline=None)
@given(st.lists(INT256, max_size=40))
def test_pack_matches_the_format_and_unpack_inverts_it(values):
    data = pack(np.array(values, dtype=object))
    assert data == python_reference(values)
    assert unpack(data).tolist() == values
    assert len(data) == 1 + len(values) * data[0]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 32).flatmap(lambda w: st.tuples(st.just(w), st.lists(signed_of_width(w), min_size=1, max_size=8))),
       st.lists(st.integers(-(1 << 7), (1 << 7) - 1), max_size=8))
def test_the_width_is_the_smallest_that_holds_the_widest_value(case, small):
    width, wide = case
    values = small + wide
    assert width_of(values) == width == pack(values)[0]
    assert unpack(pack(values)).tolist() == values


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=50))
def test_int64_arrays_pack_as_python_ints_do(values):
    as_int64 = np.array(values, dtype=np.int64)
    assert pack(as_int64) == pack(np.array(values, dtype=object)) == pack(values)


@pytest.mark.parametrize("values, packed", [
    ([], "01"),
    ([0, 0, 0], "01000000"),
    ([1, -1, 127, -128], "0101ff7f80"),
    ([128], "020080"),
    ([-129], "02ff7f"),
    ([1 << 24, -(1 << 24)], "0401000000ff000000"),
    ([(1 << 63) - 1, -(1 << 63)], "087fffffffffffffff8000000000000000"),
    ([1 << 63], "09008000000000000000"),
    ([(1 << 255) - 1], "207f" + "ff" * 31),
    ([-(1 << 255)], "2080" + "00" * 31),
])
def test_hand_worked_bytes(values, packed):
    assert pack(values).hex() == packed
    assert unpack(bytes.fromhex(packed)).tolist() == values


def test_shapes_pack_in_c_order_and_unpack_flat():
    grid = np.arange(6, dtype=np.int64).reshape(2, 3) - 3
    assert unpack(pack(grid)).tolist() == [-3, -2, -1, 0, 1, 2]
    assert unpack(pack(grid)).dtype == object


@pytest.mark.parametrize("value", [1 << 255, -(1 << 255) - 1, 1 << 300])
def test_values_past_int256_are_refused(value):
    with pytest.raises(PackedTensorError, match=f"value {value} does not fit int256"):
        pack([0, value])


def test_floats_are_refused():
    with pytest.raises(PackedTensorError, match="expected integers, got dtype float64"):
        pack(np.array([0.5]))
    with pytest.raises(PackedTensorError, match=r"expected integers, got 0.5 \(float\)"):
        pack([1, 0.5])


@pytest.mark.parametrize("data, words", [
    (b"", "0 bytes with no width byte"),
    (b"\x00", "1 bytes with width byte 0"),
    (b"\x21" + bytes(33), "34 bytes with width byte 33"),
    (b"\x02\x00\x00\x00", "4 bytes with width byte 2"),
    (b"\x04\x00", "2 bytes with width byte 4"),
])
def test_malformed_bytes_are_refused_with_their_index(data, words):
    with pytest.raises(PackedTensorError, match=f"Packed tensor 3: {words}"):
        unpack(data, index=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**255), 2**255 - 1), max_size=40), st.data())
def test_a_window_cut_from_packed_bytes_unpacks_to_the_values_it_covers(values, data):
    lo = data.draw(st.integers(0, len(values)))
    hi = data.draw(st.integers(lo, len(values)))
    packed = pack(values)
    cut = window(packed, len(values), lo, hi)
    assert cut[0] == packed[0] and len(cut) == 1 + packed[0] * (hi - lo)
    assert list(unpack(cut)) == values[lo:hi]
