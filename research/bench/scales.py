"""The three scales: S (a smoke test in seconds), M (the sizes the promises name) and L (5 to
10 times M, to see how cost grows and whether memory holds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Sizes of the invented data at one scale."""

    name: str
    transcripts: int            # interviews in the qualitative project
    words_per_transcript: int
    codes: int                  # codes in the codebook (nodes of the network view)
    codings: int                # codings over the project, by three coders
    focus_words: int            # the focus group opened in the coding view
    focus_codings: int
    respondents: int            # respondents of the monitor wave
    indicators: int             # variables of that wave
    areas: int                  # regions of the frame (one breakdown)
    sav_rows: int               # respondents in the .sav file that is loaded
    sav_columns: int
    questions: int              # bewonersvragen logged before the tracker is measured
    runs: int                   # timed runs per measurement (median and spread)
    min_runs: int = 3           # ... of which at least these, even when a run is slow
    budget: float = 20.0        # seconds of timed runs after which a measurement stops


SCALES = {
    "S": Scale("S", transcripts=20, words_per_transcript=10_000, codes=60, codings=10_000,
               focus_words=5_000, focus_codings=200, respondents=10_000, indicators=50,
               areas=25, sav_rows=10_000, sav_columns=300, questions=1_000, runs=3),
    "M": Scale("M", transcripts=200, words_per_transcript=10_000, codes=300, codings=100_000,
               focus_words=25_000, focus_codings=1_000, respondents=100_000, indicators=50,
               areas=25, sav_rows=100_000, sav_columns=300, questions=20_000, runs=5,
               min_runs=2, budget=45.0),
    # Caps of L, each because of a limit of this machine or of the app:
    # - the .sav has 150,000 rows: 1,000,000 x 300 numbers would be a 2.4 GB file, over the
    #   upload limit of research.survey.readers.MAX_BYTES (500 MB);
    # - slow operations get a single run when one run takes longer than their time budget.
    # (The agreement check was capped at 300 documents and codes while it built a matrix per
    # code over all units, 8.7 GB at M; it now works on unit patterns and takes them all.)
    "L": Scale("L", transcripts=1_000, words_per_transcript=10_000, codes=1_500,
               codings=500_000, focus_words=125_000, focus_codings=5_000,
               respondents=1_000_000, indicators=50, areas=25, sav_rows=150_000,
               sav_columns=300, questions=100_000, runs=3, min_runs=1, budget=300.0),
}
ORDER = ["S", "M", "L"]


def parse(text: str) -> list[Scale]:
    """Scales from 'S', 'S,M' or 'm, l' (in S, M, L order, each once)."""
    names = {part.strip().upper() for part in text.split(",") if part.strip()}
    unknown = names - set(SCALES)
    if unknown or not names:
        raise ValueError(f"onbekende schaal: {', '.join(sorted(unknown)) or text!r}")
    return [SCALES[name] for name in ORDER if name in names]
