"""spaCy's Dutch tokenizer with its special cases added when a text can use them.

spaCy's Tokenizer turns each of the 4,670 Dutch special cases ("a.s.", "bijv.", "'s", the
emoticons, ...) into lexemes and phrase-matcher patterns when it is built: half a second, more
than a `python -m research tracker add` spends on everything else but the imports. This one is
built without them and, before it tokenises a text, adds those special cases that can matter
for that text. Choosing them costs half a millisecond per short text, so many texts (`pipe`,
more than FEW_TEXTS texts one by one, a text longer than LONG_TEXT) get all of them at once.

Why the tokens are exactly those of spaCy's own tokenizer. A special case `key` takes part in
tokenising a text in two ways: (1) the tokenizer looks up pieces of the text (a
white-space-separated chunk, and what is left of it after each prefix or suffix is split off):
each such piece is a substring of the text, so `key` must be one; (2) the phrase matcher finds
the tokens of `key` (tokenised without special cases) among the text's tokens, and uses a rule
only if the matched span's text is a special case. The matched tokens are consecutive tokens of
the text, so their characters without white space are a substring of the text without white
space, and they are the characters of `key` without white space. Either way `solid(key)` is a
substring of `solid(text)`, where `solid` drops all white space; a special case for which that
does not hold is never looked up and never matches, so having it or not changes nothing.
Every addition flushes the tokenizer's cache (spaCy's `add_special_case` does), so nothing
cached under fewer special cases is reused. `tests/test_dutch_tokenizer.py` checks the result
against spaCy's tokenizer on random texts made of the special cases, Dutch words, punctuation
and white space, and on the project's test texts.
"""

from __future__ import annotations

import threading

from spacy import util
from spacy.tokenizer import Tokenizer

NAME = "research.dutch_tokenizer.v1"
FEW_TEXTS = 32        # texts tokenised one by one before every special case is added
LONG_TEXT = 10_000    # characters of a text for which every special case is added


def solid(text: str) -> str:
    """`text` without white space (`str.split` splits where `str.isspace` holds, as spaCy's
    tokenizer does)."""
    return "".join(text.split())


class OnDemandTokenizer(Tokenizer):
    """A spaCy Tokenizer whose special cases (`rules`) are added as texts need them; it
    tokenises every text as a Tokenizer built with all of them."""

    def __init__(self, vocab, rules=None, *args, **kwargs):
        super().__init__(vocab, None, *args, **kwargs)
        # In the order spaCy's Tokenizer adds them (sorted by key).
        self._waiting = {key: (solid(key), rules[key]) for key in sorted(rules or {})}
        self._lock = threading.Lock()
        self._texts = 0

    # -- adding special cases --------------------------------------------------------------
    def _add(self, keys) -> None:
        for key in keys:
            substrings = self._waiting.pop(key, None)
            if substrings is not None:
                super().add_special_case(key, substrings[1])

    def add_for(self, text: str) -> None:
        """Add the waiting special cases that can matter for `text` (see the module)."""
        if not self._waiting:
            return
        chars = solid(text)
        with self._lock:
            self._add([key for key, (form, _) in self._waiting.items() if form in chars])

    def add_all(self) -> None:
        """Add every waiting special case: the tokenizer is then spaCy's own."""
        if self._waiting:
            with self._lock:
                self._add(list(self._waiting))

    @property
    def waiting(self) -> int:
        """How many special cases are not added yet."""
        return len(self._waiting)

    # -- spaCy's interface -----------------------------------------------------------------
    def __call__(self, string):
        if self._waiting:
            self._texts += 1
            if self._texts > FEW_TEXTS or len(string) > LONG_TEXT:
                self.add_all()
            else:
                self.add_for(string)
        return super().__call__(string)

    def pipe(self, texts, batch_size=1000):
        self.add_all()
        return super().pipe(texts, batch_size=batch_size)

    def add_special_case(self, string, substrings):
        # A special case added from outside replaces a waiting one of the same key, as it
        # replaces an added one in spaCy's Tokenizer.
        with self._lock:
            self._waiting.pop(string, None)
        super().add_special_case(string, substrings)

    def explain(self, text):
        self.add_all()
        return super().explain(text)

    @property
    def rules(self):
        self.add_all()
        return Tokenizer.rules.__get__(self)

    @rules.setter
    def rules(self, rules):
        with self._lock:
            self._waiting = {}
        Tokenizer.rules.__set__(self, rules)

    def to_bytes(self, *, exclude=tuple()):
        self.add_all()
        return super().to_bytes(exclude=exclude)

    def to_disk(self, path, **kwargs):
        self.add_all()
        return super().to_disk(path, **kwargs)


def build(vocab, defaults) -> OnDemandTokenizer:
    """What spaCy's `spacy.Tokenizer.v1` builds for a language (its prefixes, suffixes,
    infixes, token and URL match, special cases), as an OnDemandTokenizer."""
    prefixes, suffixes, infixes = defaults.prefixes, defaults.suffixes, defaults.infixes
    return OnDemandTokenizer(
        vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=util.compile_prefix_regex(prefixes).search if prefixes else None,
        suffix_search=util.compile_suffix_regex(suffixes).search if suffixes else None,
        infix_finditer=util.compile_infix_regex(infixes).finditer if infixes else None,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


def dutch() -> OnDemandTokenizer:
    """The Dutch tokenizer with the vocabulary `spacy.blank("nl")` makes, without building a
    Language (its config and registry cost a tenth of a second)."""
    from spacy.lang.nl import Dutch
    from spacy.vocab import create_vocab

    return build(create_vocab("nl", Dutch.Defaults), Dutch.Defaults)


@util.registry.tokenizers(NAME)
def create_tokenizer():
    """The tokenizer of a Language made with {"nlp": {"tokenizer": {"@tokenizers": NAME}}}."""

    def tokenizer_factory(nlp) -> OnDemandTokenizer:
        return build(nlp.vocab, nlp.Defaults)

    return tokenizer_factory
