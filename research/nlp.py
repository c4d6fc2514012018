"""The Dutch language pipeline: spaCy's blank Dutch model with the lookup lemmatizer.

No trained Dutch model can be downloaded here, and none is needed for what the app does with
words (keyword matching, similarity, word counts): lemmas come from the lookup tables shipped
in the package spacy-lookups-data, loaded from disk, never from the network.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from research.config import CODEBOOKS_DIR, cache_dir, shipped_yaml

if TYPE_CHECKING:   # spaCy is imported when the pipeline is first built: a second of start-up
    from spacy.language import Language

SUPPLEMENT = CODEBOOKS_DIR / "lemma_aanvullingen.yaml"


def supplement(path: Path = SUPPLEMENT) -> dict[str, str]:
    """Our additions to the lookup table (form -> lemma), from codebooks/."""
    return {str(k).lower(): str(v) for k, v in shipped_yaml(path)["aanvullingen"].items()}


# -- the lemma table -------------------------------------------------------------------------
# spaCy's lemmatizer reads the table from spacy-lookups-data as gzipped JSON and hashes its
# 213,000 keys into a spaCy Table: more than half a second, where a marshal'd dictionary of the
# same table loads in a few hundredths. The cache is made from the installed package (by `make
# install`, else at first use), lives with the virtual environment (`config.cache_dir`),
# records the file it was made from and is made again when that file changed; when it cannot
# be read or written the table comes from the package as before.

CACHE_FORMAT = 1
LOOKUP_CACHE = "nl_lemma_lookup.marshal"


def lookups_source() -> Path:
    """Where spaCy's lookup lemmatizer reads the Dutch table: the path the entry point of
    spacy-lookups-data names (as `spacy.lookups.load_lookups` finds it; the file itself may
    be that path plus ".gz")."""
    from spacy.util import ensure_path, registry

    return ensure_path(registry.lookups.get("nl")["lemma_lookup"])


def _stamp(source: str) -> tuple:
    stat = os.stat(source)
    return (CACHE_FORMAT, marshal.version, source, stat.st_size, stat.st_mtime_ns)


def _file(source: Path) -> str:
    """The file `spacy.util.load_language_data` reads for `source` (it tries ".gz" next)."""
    return str((source if source.exists() else source.with_suffix(source.suffix + ".gz"))
               .resolve())


def _read_cache(cache: Path, source: Path | None = None) -> dict | None:
    """The cached table, or None when the cache is missing, damaged, made from another file
    than `source` (when given) or older than the file it was made from."""
    try:
        with open(cache, "rb") as handle:
            stamp, table = marshal.loads(handle.read())
        if not isinstance(table, dict) or stamp != _stamp(stamp[2]) or \
                (source is not None and stamp[2] != _file(Path(source))):
            return None
    except (OSError, EOFError, ValueError, TypeError, IndexError):
        return None
    return table


def build_lookup_cache(cache: Path, source: Path | None = None) -> dict:
    """Read the lookup table as spaCy does (`spacy.util.load_language_data`) and write it to
    `cache`, atomically (a cache that cannot be written is left out). Returns the table."""
    from spacy.util import load_language_data

    source = Path(source or lookups_source())
    stamp = _stamp(_file(source))  # taken before reading: a change while reading shows next time
    table = load_language_data(source)
    assert isinstance(table, dict), f"{source}: not a lookup table"
    # Equal lemmas as one string object: half the strings to make when the cache is read.
    shared: dict[str, str] = {}
    table = {form: shared.setdefault(lemma, lemma) for form, lemma in table.items()}
    temporary = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=cache.parent, prefix=f".{cache.name}.",
                                         delete=False) as handle:
            temporary = handle.name
            marshal.dump((stamp, table), handle)
        os.chmod(temporary, 0o644)  # derived from a public package, as readable as it is
        os.replace(temporary, cache)
    except OSError:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return table


def lookup_table(cache: Path | None = None, source: Path | None = None) -> dict:
    """spacy-lookups-data's Dutch lemma table (form -> lemma): from the cache when it is
    current, else from the package (and the cache made again). `source` is for tests."""
    cache = cache or cache_dir() / LOOKUP_CACHE
    table = _read_cache(cache, source)
    return build_lookup_cache(cache, source) if table is None else table


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """The table the app lemmatises with: spacy-lookups-data's, extended by our supplement
    (the shipped table lacks many frequent plurals, "kinderen", "buurten": without them a
    keyword or lemma search for "kind" or "buurt" misses them)."""
    table = lookup_table()
    table.update(supplement())
    return table


# -- the pipeline ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def tokenizer():
    """The shared Dutch tokenizer: spaCy's (`spacy.blank("nl").tokenizer`), adding its special
    cases when a text needs them (`research.dutch_tokenizer`: it tokenises exactly as spaCy's
    own)."""
    from research.dutch_tokenizer import dutch

    return dutch()


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """The shared Dutch pipeline (tokenizer, sentencizer, lookup lemmatizer over
    `lemma_table`), built once per process. The app's own functions tokenise with `tokenizer`
    and look lemmas up with `lemma`: the same lemmas, without building the lemmatizer's Table
    (hashing 213,000 keys) or its per-token Python call."""
    import spacy
    from spacy.lookups import Lookups
    from spacy.pipeline import Lemmatizer

    from research.dutch_tokenizer import NAME

    shared = tokenizer()
    nlp = spacy.blank("nl", vocab=shared.vocab,
                      config={"nlp": {"tokenizer": {"@tokenizers": NAME}}})
    nlp.tokenizer = shared
    nlp.add_pipe("sentencizer")  # rule-based sentence ends, for sentence-level search and coding
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    lookups = Lookups()
    lookups.add_table("lemma_lookup", lemma_table())
    lemmatizer = nlp.get_pipe("lemmatizer")
    assert isinstance(lemmatizer, Lemmatizer)
    lemmatizer.initialize(lookups=lookups)
    return nlp


def warm() -> None:
    """Build everything the language functions use: once, in a long-lived process."""
    pipeline()
    tokenizer().add_all()
    _end_hashes()


@lru_cache(maxsize=500_000)
def lemma(word: str) -> str:
    """The lower-case lookup lemma of one word: what spaCy's Dutch lookup lemmatizer gives (it
    looks the lower-case form up), without running it (its per-token Python call is a third
    of an import's time; a cached dictionary lookup costs almost nothing)."""
    lower = word.lower()
    return str(lemma_table().get(lower, lower)).lower()


def tokenise(texts):
    """The tokenizer alone over many texts (`sentence_starts` for the sentences, `lemma` for
    the lemmas)."""
    return tokenizer().pipe(texts)


@lru_cache(maxsize=1)
def _end_hashes() -> np.ndarray:
    """The ORTH hashes of the sentencizer's sentence-final characters, sorted."""
    from spacy.pipeline import Sentencizer
    from spacy.strings import hash_string  # type: ignore[attr-defined]  # Cython, no stub

    return np.array(sorted(hash_string(c) for c in Sentencizer.default_punct_chars),
                    dtype=np.uint64)


def sentence_starts(orth: np.ndarray, punct: np.ndarray,
                    segment: np.ndarray | None = None) -> np.ndarray:
    """The indexes of the tokens that start a sentence, by the rule of the pipeline's
    sentencizer: the first token of a text, and the first token after sentence-ending
    punctuation that is neither punctuation nor a sentence end itself. The tokens are given
    as their ORTH and IS_PUNCT arrays; `segment` numbers the text each token belongs to, when
    the tokens of several texts (the turns of a document) are given at once. Computed on
    arrays because the sentencizer makes a Python object of every token (a quarter of an
    import's time), and for all turns at once because numpy's cost per call is that of a
    turn."""
    if segment is None:
        segment = np.zeros(len(orth), dtype=np.int64)
    firsts = np.flatnonzero(np.diff(segment, prepend=-1) != 0)
    ends = np.flatnonzero(np.isin(orth, _end_hashes()))
    candidates = np.setdiff1d(np.flatnonzero(punct == 0), ends, assume_unique=True)
    # Every sentence end points at the first candidate after it in its own text; ends with no
    # candidate in between point at the same one.
    following = np.searchsorted(candidates, ends, side="right")
    found = following < len(candidates)
    chosen = candidates[following[found]]
    return np.union1d(firsts, chosen[segment[chosen] == segment[ends[found]]])


_LEMMA_OF_ORTH: dict[int, str] = {}


def lemmas_of(orths: np.ndarray, strings) -> list[str]:
    """`lemma` of every token given by its ORTH hash, through a cache keyed on the hash: the
    lookups then run in C (`map`) instead of a Python call per token. It holds one entry per
    distinct word form, as spaCy's own string store does."""
    cache = _LEMMA_OF_ORTH
    keys = orths.tolist()
    for orth in set(keys).difference(cache):
        cache[orth] = lemma(strings[orth])
    return list(map(cache.__getitem__, keys))


def lemmas(text: str, *, content_only: bool = True) -> list[str]:
    """Lower-case lemmas of `text`; with `content_only`, without stop words, digits and
    punctuation."""
    return [
        lemma(token.text)
        for token in tokenizer()(text)
        if not (content_only and (token.is_stop or token.is_punct or token.is_space
                                  or token.like_num or len(token.text) < 2))
    ]


def lemma_text(text: str) -> str:
    """The content lemmas of `text` as one space-separated string (what search indexes)."""
    return " ".join(lemmas(text))


_CONTROLS = {code: " " for code in (*range(0x20), *range(0x7f, 0xa0))}


def search_text(text: str) -> str:
    """Typed search text with control characters made spaces: a NUL (pasted, or sent by a
    client) would end an FTS5 string early and break the query."""
    return text.translate(_CONTROLS)


def quoted(word: str) -> str:
    """A word as an FTS5 string (so that words like NOT or a '*' are searched for, not obeyed);
    a NUL, which would end the string, becomes a space."""
    return '"' + word.replace('"', '""').replace("\x00", " ") + '"'


def quoted_terms(words: list[str]) -> str | None:
    """An FTS5 expression requiring every word; None when there is none."""
    unique = dict.fromkeys(w for w in words if w)
    return " AND ".join(quoted(w) for w in unique) or None


# -- word forms for lemma search ---------------------------------------------------------------
# The lookup table of spacy-lookups-data misses many Dutch verb and noun forms ("wacht",
# "wachtte", "maanden" stay as they are), so a lemma search also asks for the regular forms of
# the searched word. Forms that are not Dutch words ("koom" from "komen") cost nothing: they
# match no text.

_VOWELS = set("aeiou")
_KOFSCHIP = set("tkfschpx")


def _stem(infinitive: str) -> str:
    """The stem of a regular verb in -en: wachten -> wacht, zitten -> zit, wonen -> woon."""
    raw = infinitive[:-2]
    if len(raw) >= 2 and raw[-1] == raw[-2] and raw[-1] not in _VOWELS:
        return raw[:-1]
    if (len(raw) >= 2 and raw[-2] in "aeou" and raw[-1] not in _VOWELS
            and (len(raw) < 3 or raw[-3] not in _VOWELS)):
        return raw[:-1] + raw[-2] + raw[-1]  # an open syllable has a long vowel
    return raw


def _verb_forms(infinitive: str) -> set[str]:
    stem = _stem(infinitive)
    past = "t" if stem[-1] in _KOFSCHIP else "d"  # 't kofschip, on the stem before f/s
    written = stem[:-1] + {"v": "f", "z": "s"}.get(stem[-1], stem[-1])
    ending = "" if written[-1] in "td" else "t"
    return {written, written + ending, written + past + "e", written + past + "en",
            "ge" + written + ("" if written[-1] in "td" else past)}


def _noun_forms(word: str) -> set[str]:
    forms = {word + "s", word + "'s", word + "en"}
    if word[-1] not in _VOWELS and len(word) >= 3 and word[-2] in "aeou" and word[-3] == word[-2]:
        forms.add(word[:-3] + word[-2] + word[-1] + "en")  # maan -> manen
    return forms


def word_forms(word: str) -> set[str]:
    """The word and its regular Dutch inflections (verb conjugations, plurals)."""
    word = word.lower()
    forms = {word}
    if len(word) >= 3 and word.isalpha():
        if word.endswith("en") and len(word) >= 5:
            forms |= _verb_forms(word)  # its stem is also a plural's singular: maanden
        else:
            forms |= _noun_forms(word)
    return forms


def lemma_family(word: str) -> set[str]:
    """Everything the lemma column may hold for `word`: the lookup lemma of each of its forms,
    and the forms themselves (for words the table does not know)."""
    forms = word_forms(word)
    return forms | {lemma(form) for form in forms}
