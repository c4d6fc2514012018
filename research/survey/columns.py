"""A wave's answers stored per variable as one compressed column (a small column store).

A monitor wave can hold 100,000 respondents x 300 variables. Stored long (one row per answer)
that is 30 million rows: too slow to load and to read for a results table. Each variable of a
wave is instead one BLOB in `wave_columns`, in the order of the wave's `responses` rows
(by id). Numbers are float64 (NaN = no answer), texts a JSON list (null = no answer); both
zlib-compressed at level 1, which keeps survey codes small at little cost in time.
"""

from __future__ import annotations

import json
import zlib

import numpy as np

NUMERIC = b"N1"
TEXT = b"T1"


def encode_numbers(values) -> bytes:
    """A numeric column as bytes (NaN for missing)."""
    array = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    return NUMERIC + zlib.compress(array.tobytes(), 1)


def encode_texts(values) -> bytes:
    """A text column as bytes (None for missing)."""
    texts = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
    return TEXT + zlib.compress(json.dumps(texts, ensure_ascii=False).encode("utf-8"), 1)


def decode(blob: bytes):
    """A stored column back as a float64 array or a list of str/None."""
    kind, body = bytes(blob[:2]), zlib.decompress(blob[2:])
    if kind == NUMERIC:
        return np.frombuffer(body, dtype="<f8").copy()
    if kind == TEXT:
        return json.loads(body.decode("utf-8"))
    raise ValueError(f"unknown column format {kind!r}")

