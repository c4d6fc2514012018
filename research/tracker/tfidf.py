"""TF-IDF over character n-grams inside word boundaries, as scikit-learn's
`TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)` computes it, in
numpy and scipy.sparse alone.

Why not scikit-learn itself: importing it costs a second of start-up (it imports scipy.stats),
which every `python -m research tracker add` paid for one sparse product. The same vocabulary
order, counts, smoothed idf, sublinear tf and L2 norm are computed here (the norms summed
pairwise by numpy, so values may differ from scikit-learn's in the last bit);
`tests/test_similarity.py` checks the matrices against scikit-learn's.
"""

from __future__ import annotations

import re

import numpy as np
from scipy.sparse import csr_matrix

_WHITE_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """The n-grams of each word padded with a space, as scikit-learn's `_char_wb_ngrams`
    after its lower-casing preprocessor (a word shorter than `n` counts once, whole)."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    grams: list[str] = []
    append = grams.append
    for word in text.split():
        word = f" {word} "
        length = len(word)
        for n in range(low, high + 1):
            offset = 0
            append(word[:n])
            while offset + n < length:
                offset += 1
                append(word[offset:offset + n])
            if offset == 0:
                break
    return grams


class CharTfidf:
    """`fit_transform` learns the vocabulary (sorted n-grams) and the smoothed idf; `transform`
    maps new texts onto them (unknown n-grams are dropped). Rows are L2-normalised CSR."""

    def __init__(self, low: int = 3, high: int = 5):
        self.low, self.high = low, high
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.empty(0)

    def _counts(self, texts, vocabulary: dict[str, int], grow: bool) -> csr_matrix:
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        for text in texts:
            counter: dict[int, int] = {}
            for gram in char_wb_ngrams(text, self.low, self.high):
                column = vocabulary.get(gram)
                if column is None:
                    if not grow:
                        continue
                    column = vocabulary[gram] = len(vocabulary)
                counter[column] = counter.get(column, 0) + 1
            indices.extend(counter)
            counts.extend(counter.values())
            indptr.append(len(indices))
        matrix = csr_matrix((np.asarray(counts, dtype=np.float64),
                             np.asarray(indices, dtype=np.int32),
                             np.asarray(indptr, dtype=np.int32)),
                            shape=(len(indptr) - 1, len(vocabulary)))
        return matrix

    def _weigh(self, matrix: csr_matrix) -> csr_matrix:
        matrix.sort_indices()
        np.log(matrix.data, out=matrix.data)          # sublinear tf: 1 + log(count)
        matrix.data += 1.0
        matrix.data *= self.idf_[matrix.indices]
        lengths = np.diff(matrix.indptr)
        filled = lengths > 0
        norms = np.ones(len(lengths))
        if matrix.nnz:
            # sums of squares per non-empty row (their data lie back to back)
            norms[filled] = np.sqrt(np.add.reduceat(matrix.data * matrix.data,
                                                    matrix.indptr[:-1][filled]))
        matrix.data /= np.repeat(norms, lengths)
        return matrix

    def fit_transform(self, texts) -> csr_matrix:
        vocabulary: dict[str, int] = {}
        matrix = self._counts(texts, vocabulary, grow=True)
        if not vocabulary:
            raise ValueError("empty vocabulary")
        order = sorted(vocabulary)                   # columns in n-gram order
        remap = np.empty(len(order), dtype=np.int32)
        for new, gram in enumerate(order):
            remap[vocabulary[gram]] = new
        self.vocabulary_ = {gram: new for new, gram in enumerate(order)}
        matrix.indices = remap[matrix.indices]
        frequency = np.bincount(matrix.indices, minlength=len(order)).astype(np.float64) + 1.0
        self.idf_ = np.log((matrix.shape[0] + 1) / frequency) + 1.0
        return self._weigh(matrix)

    def transform(self, texts) -> csr_matrix:
        return self._weigh(self._counts(texts, self.vocabulary_, grow=False))
