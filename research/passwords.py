"""Password strength: long enough, and not what people pick most.

Length alone let `aaaaaaaaaa` through. A password (or a backup passphrase) is refused when it
is shorter than the minimum, has fewer than five different characters, repeats one piece
(`abcabcabcabc`), is a run in the alphabet, the digits or along a keyboard row
(`1234567890`, `qwertyuiop`, also backwards), contains the account's user name, or is one of
the 10,000 most common passwords (`data/wachtwoorden/veelgebruikt.txt`, from zxcvbn, MIT) or
of the Dutch words in `aanvullingen.txt`, also with digits or symbols around it
(`welkom2026!`). `problem` returns the Dutch reason, or None; callers raise their own error.
"""

from __future__ import annotations

import functools
import string

from research.config import DATA_DIR

FOLDER = DATA_DIR / "wachtwoorden"
MIN_LENGTH = 10
MIN_DISTINCT = 5
# Runs a person types without thinking: the alphabet, the digits, keyboard rows (QWERTY and
# AZERTY), each also backwards.
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl",
             "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn", "1qaz2wsx3edc4rfv5tgb6yhn7ujm")
SURROUNDING = string.digits + string.punctuation + string.whitespace
ADVICE = " Kies bijvoorbeeld een paar losse woorden achter elkaar."


@functools.cache
def common() -> frozenset[str]:
    """The shipped lists of common passwords, lower case."""
    words = set()
    for name in ("veelgebruikt.txt", "aanvullingen.txt"):
        for line in (FOLDER / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                words.add(line.strip().casefold())
    return frozenset(words)


def _repeats(text: str) -> bool:
    """Whether `text` is one piece over and over (the last time possibly cut short)."""
    return any(text == (text[:size] * (len(text) // size + 1))[:len(text)]
               for size in range(1, len(text) // 2 + 1))


def _is_run(text: str) -> bool:
    """Whether `text` lies along one of SEQUENCES (forwards or backwards, wrapping round)."""
    return any(text in (sequence * 3) or text in (sequence[::-1] * 3) for sequence in SEQUENCES)


def problem(password: str, *, username: str | None = None,
            min_length: int = MIN_LENGTH) -> str | None:
    """Why this password is too weak, in Dutch; None when it will do."""
    if len(password) < min_length:
        return f"Een wachtwoord heeft minstens {min_length} tekens."
    folded = password.casefold()
    # What is left without symbols around it, and without digits around it too.
    bare, core = folded.strip(string.punctuation + string.whitespace), folded.strip(SURROUNDING)
    if len(set(folded)) < MIN_DISTINCT:
        return ("Dit wachtwoord is te makkelijk te raden: het heeft te weinig verschillende "
                "tekens." + ADVICE)
    if _repeats(folded) or _repeats(bare) or (len(core) >= 4 and _repeats(core)):
        return "Dit wachtwoord is te makkelijk te raden: het herhaalt steeds hetzelfde." + ADVICE
    if _is_run(bare) or (len(core) >= 4 and _is_run(core)):
        return ("Dit wachtwoord is te makkelijk te raden: het is een reeks uit het alfabet, de "
                "cijfers of het toetsenbord." + ADVICE)
    name = (username or "").strip().casefold()
    if len(name) >= 3 and name in folded:
        return "Een wachtwoord mag je gebruikersnaam niet bevatten."
    if folded in common() or (len(core) >= 4 and core in common()):
        return ("Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden (eventueel met "
                "cijfers of tekens erbij)." + ADVICE)
    return None
