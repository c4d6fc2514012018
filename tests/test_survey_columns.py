"""The column store of wave answers: every column comes back bit for bit, answer codes as
offsets (C1), anything else as float64 (N1) or texts (T1); `distinct` reads the codes."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from research.survey import columns


def roundtrip(values) -> tuple[bytes, np.ndarray]:
    blob = columns.encode_numbers(values)
    return blob[:2], columns.decode(blob)


def same_bits(a: np.ndarray, b) -> bool:
    return np.array_equal(np.asarray(a, dtype="<f8").view("<i8"),
                          np.asarray(b, dtype="<f8").view("<i8"))


@pytest.mark.parametrize("values, kind", [
    ([1, 2, 3, np.nan, 9, 5], b"C1"),              # Likert with 'weet niet' and a gap
    ([-3, 251, np.nan], b"C1"),                    # 254 apart: still one byte
    ([0, 255], b"C1"),                             # 255 apart: two bytes
    ([1e9, 1e9 + 65534, np.nan], b"C1"),           # the widest span of two bytes
    ([0, 65535], b"N1"),                           # wider
    ([np.nan, np.nan], b"C1"),                     # nobody answered
    ([], b"C1"),
    ([1.5, 2.0], b"N1"),                           # fractions
    ([0.0, -0.0, 1.0], b"N1"),                     # -0.0 would come back as 0.0
    ([1.0, np.inf], b"N1"),
    ([2.0 ** 60, 2.0 ** 60 + 256], b"C1"),
])
def test_columns_come_back_bit_for_bit(values, kind):
    found, back = roundtrip(values)
    assert found == kind
    assert same_bits(back, values) and back.dtype == np.float64 and back.flags.writeable


def test_a_nan_with_another_payload_is_kept_as_float():
    odd = np.array([0x7FF8000000000001], dtype="<i8").view("<f8")
    values = np.concatenate([[1.0, 2.0], odd])
    found, back = roundtrip(values)
    assert found == b"N1" and same_bits(back, values)


def test_offsets_layout_is_literal():
    blob = columns.encode_numbers([3.0, np.nan, 5.0, 3.0])
    assert blob[:2] == b"C1"
    assert struct.unpack_from("<dB", blob, 2) == (3.0, 1)
    assert zlib.decompress(blob[11:]) == bytes([0, 255, 2, 0])


def test_distinct_values_and_their_index_per_row():
    values = [5.0, np.nan, 1.0, 5.0, 9.0, 1.0]
    uniques, codes = columns.distinct(columns.encode_numbers(values))
    assert uniques.tolist() == [1.0, 5.0, 9.0]
    assert codes.tolist() == [1, -1, 0, 1, 2, 0]
    for blob in (columns.encode_numbers([0.5, np.nan, 0.25, 0.5]),       # float64 (N1)
                 b"N1" + zlib.compress(np.array([2.0, np.nan, 2.0]).tobytes(), 1)):
        uniques, codes = columns.distinct(blob)
        expected = columns.distinct_values(columns.decode(blob))
        assert uniques.tolist() == expected[0].tolist() and codes.tolist() == expected[1].tolist()
    assert columns.distinct(blob)[1].tolist() == [0, -1, 0]


@pytest.mark.parametrize("values", [
    [5.0, np.nan, 1.0, 5.0, 9.0], [0.5, 0.25, np.nan, 0.5], [np.nan, np.nan],
    [1e12, 3.0, 1e12], [2.0, 70000.0, 2.0]])
def test_distinct_values_agree_with_numpy_unique(values):
    values = np.array(values)
    uniques, codes = columns.distinct_values(values)
    valid = ~np.isnan(values)
    assert uniques.tolist() == np.unique(values[valid]).tolist()
    assert (codes[~valid] == -1).all()
    assert uniques[codes[valid]].tolist() == values[valid].tolist()


def test_texts_and_unknown_formats():
    blob = columns.encode_texts(["a", None, float("nan"), 3])
    assert columns.decode(blob) == ["a", None, None, "3"]
    with pytest.raises(ValueError, match="unknown column format"):
        columns.decode(b"X1" + zlib.compress(b""))
