"""A wave's answers stored per variable as one compressed column (a small column store).

A monitor wave can hold 100,000 respondents x 300 variables. Stored long (one row per answer)
that is 30 million rows: too slow to load and to read for a results table. Each variable of a
wave is instead one BLOB in `wave_columns`, in the order of the wave's `responses` rows
(by id), zlib-compressed at level 1, which keeps survey codes small at little cost in time:

- C1: whole numbers over a span of at most 65,535 (answer codes, marks, ages) as unsigned
  offsets from the lowest value, one or two bytes each, the largest offset marking no answer.
  A results table at a million respondents decompresses an eighth of the bytes and reads the
  codes as they are (`distinct`) instead of finding them again in a float column.
- N1: any other numbers as float64 (NaN = no answer).
- T1: texts as a JSON list (null = no answer).

`decode` gives every numeric column back as float64, bit for bit as it was encoded.
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np

NUMERIC = b"N1"
CODES = b"C1"
TEXT = b"T1"
CODES_HEADER = struct.Struct("<dB")   # the lowest value, bytes per offset
CODE_TYPES: dict[int, np.dtype] = {1: np.dtype("u1"), 2: np.dtype("<u2")}


def encode_numbers(values) -> bytes:
    """A numeric column as bytes (NaN for missing): as offsets (C1) when that gives the
    column back bit for bit, else as float64 (N1)."""
    array = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    coded = _as_offsets(array)
    if coded is not None:
        low, offsets = coded
        return (CODES + CODES_HEADER.pack(low, offsets.itemsize)
                + zlib.compress(offsets.tobytes(), 1))
    return NUMERIC + zlib.compress(array.tobytes(), 1)


def _as_offsets(array: np.ndarray) -> tuple[float, np.ndarray] | None:
    """(lowest value, offsets) of a column of whole numbers over a small span; None when the
    offsets would not give it back exactly (fractions, -0.0, a NaN with another payload)."""
    valid = ~np.isnan(array)
    low = float(np.min(array, where=valid, initial=np.inf)) if valid.any() else 0.0
    high = float(np.max(array, where=valid, initial=-np.inf)) if valid.any() else 0.0
    if not (np.isfinite(low) and np.isfinite(high) and low.is_integer()):
        return None
    for dtype in CODE_TYPES.values():
        missing = np.iinfo(dtype).max
        if high - low < missing:
            offsets = np.where(valid, array - low, missing).astype(dtype)
            if np.array_equal(_from_offsets(low, offsets).view("<i8"), array.view("<i8")):
                return low, offsets
            return None
    return None


def _from_offsets(low: float, offsets: np.ndarray) -> np.ndarray:
    """The float64 column of (lowest value, offsets)."""
    missing = np.iinfo(offsets.dtype).max
    table = low + np.arange(missing + 1, dtype="<f8")
    table[missing] = np.nan
    return table[offsets]


def _offsets(blob: bytes) -> tuple[float, np.ndarray]:
    """(lowest value, offsets) of a C1 column."""
    low, itemsize = CODES_HEADER.unpack_from(blob, len(CODES))
    body = zlib.decompress(bytes(blob[len(CODES) + CODES_HEADER.size:]))
    return low, np.frombuffer(body, dtype=CODE_TYPES[itemsize])


def encode_texts(values) -> bytes:
    """A text column as bytes (None for missing)."""
    texts = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
    return TEXT + zlib.compress(json.dumps(texts, ensure_ascii=False).encode("utf-8"), 1)


def decode(blob: bytes):
    """A stored column back as a float64 array or a list of str/None."""
    kind = bytes(blob[:2])
    if kind == CODES:
        return _from_offsets(*_offsets(blob))
    body = zlib.decompress(blob[2:])
    if kind == NUMERIC:
        return np.frombuffer(body, dtype="<f8").copy()
    if kind == TEXT:
        return json.loads(body.decode("utf-8"))
    raise ValueError(f"unknown column format {kind!r}")


def distinct(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A stored numeric column as its distinct values (sorted) and per row the index of its
    value among them (-1: missing), what an estimator of codes takes; from a C1 column
    without making its float column."""
    if bytes(blob[:2]) != CODES:
        return distinct_values(decode(blob))
    low, offsets = _offsets(blob)
    missing = np.iinfo(offsets.dtype).max
    present = np.bincount(offsets, minlength=missing + 1)[:missing] > 0
    return low + np.flatnonzero(present), _lookup(present)[offsets]


def codes(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A stored numeric column as (the value of each code, NaN for no answer; per row its
    code, -1 also for no answer). A one-byte C1 column gives its offsets as they are, 256
    codes of which only some occur: nothing is done per row but decompressing. Anything else
    gives `distinct`."""
    if bytes(blob[:2]) == CODES:
        low, offsets = _offsets(blob)
        if offsets.itemsize == 1:
            values = low + np.arange(256, dtype=np.float64)
            values[255] = np.nan
            return values, offsets
    return distinct(blob)


def _lookup(present: np.ndarray) -> np.ndarray:
    """Per offset its index among the present ones, and -1 for the one past them (missing)."""
    return np.append(np.cumsum(present) - 1, -1)


# Whole-number float columns spanning at most this many values are indexed by a lookup table.
MAX_SPAN = 1 << 16


def distinct_values(values) -> tuple[np.ndarray, np.ndarray]:
    """`distinct` of a float column (NaN: missing).

    For whole numbers over a small span a lookup table does in a few passes what np.unique's
    sort of the whole column does in many (ten times slower at a million rows)."""
    values = np.asarray(values, dtype=np.float64)
    valid = ~np.isnan(values)
    if not valid.any():
        return np.empty(0), np.full(len(values), -1, dtype=np.int64)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if high - low <= MAX_SPAN and low.is_integer():
        span = int(high - low)
        offset = np.where(valid, values - low, span + 1)   # missing: one past the values
        index = offset.astype(np.int64)
        if (index == offset).all():
            present = np.bincount(index, minlength=span + 2)[:span + 1] > 0
            return low + np.flatnonzero(present), _lookup(present)[index]
    uniques, inverse = np.unique(values[valid], return_inverse=True)
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[valid] = inverse
    return uniques, codes
