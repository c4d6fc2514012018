"""Taking a transcript in: the reviewed speakers and pseudonyms applied, then stored.

The import page and the command line both end here, so a file is treated the same way
whichever door it came through.
"""

from __future__ import annotations

from research.accounts import User
from research.qual import documents, pseudonyms
from research.qual.pseudonyms import Suggestion
from research.qual.transcripts import Transcript
from research.storage import Store


def save(store: Store, user: User, project_id: int, transcript: Transcript, *,
         renames: dict[str, str] | None = None, accepted: list[Suggestion] | None = None,
         name: str | None = None, kind: str | None = None, held_on: str | None = None,
         case_modes: dict[str, str] | None = None) -> int:
    """Rename (or merge) speakers, replace the accepted pseudonyms, store the new key pairs
    and the document; returns the document's id.

    `accepted` None means: no pseudonymisation; a list (even empty) means the user reviewed
    the suggestions and these are the ones to apply. `case_modes` (speaker as renamed ->
    'eigen' or 'gedeeld', see `cases.case_name`) is what the preview chose per speaker; a
    speaker's pseudonym takes its choice along."""
    if renames:
        transcript = transcript.rename({k: v for k, v in renames.items() if v and v != k})
    pseudonymised = accepted is not None
    if accepted:
        pseudonyms.check(store, project_id, accepted)
        before = transcript
        transcript = pseudonyms.apply(transcript, {s.original: s.pseudonym for s in accepted})
        if case_modes:
            new_label = {old.speaker: new.speaker for old, new in zip(before.turns,
                                                                     transcript.turns, strict=True)}
            renamed: dict[str, str] = {}
            for label, mode in case_modes.items():
                new = new_label.get(label, label)
                assert new is not None  # a speaker's pseudonym is a label too
                renamed[new] = mode
            case_modes = renamed
    if name is not None and accepted:
        name = _swap_name(name, accepted)
    # The key first, then the document: a document whose pseudonyms are not in the key
    # could never be traced back, and its numbers could be given again. A document the
    # project cannot take is refused before the key is touched; should the write itself fail
    # (a full disk), its new pairs leave the key again.
    documents.check_new(store, user, project_id, name or transcript.name, transcript.render()[0])
    remembered = pseudonyms.remember(store, user, project_id, accepted) if accepted else []
    try:
        return documents.import_transcript(store, user, project_id, transcript, name=name,
                                           kind=kind, held_on=held_on,
                                           pseudonymised=pseudonymised, case_modes=case_modes)
    except BaseException:
        pseudonyms.forget(store, user, project_id, remembered)
        raise


def _swap_name(name: str, accepted: list[Suggestion]) -> str:
    """A document name with the accepted originals replaced (names often carry a name)."""
    for suggestion in sorted(accepted, key=lambda s: len(s.original), reverse=True):
        name = name.replace(suggestion.original, suggestion.pseudonym)
    return name
