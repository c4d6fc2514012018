"""Importeren: transcripts in (many at once), speakers checked, pseudonymised before saving;
REFI-QDA projects and codebooks from other tools.

Reading a file and finding what to pseudonymise happen once per file in a session: every
widget change reruns this page, and the import click saves what the preview showed."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from research.qual import cases, documents, exchange, intake, projects, pseudonyms, transcripts
from research.qual.documents import DOCUMENT_KINDS
from research.ui import shell, widgets

store, user = shell.guard("qual.write")
st.title("Importeren")
project_id = widgets.pick_project(store, user)
if not projects.can_write(store, user, project_id):
    st.info("Je bent geen lid van dit project; vraag de projectleider om je toe te voegen.")
    st.stop()

transcripts_tab, refi_tab = st.tabs(["Transcripten", "REFI-QDA (ATLAS.ti, NVivo, MAXQDA, ...)"])


def parsed(name: str, data: bytes, pattern: str) -> transcripts.Transcript | str:
    """The file read into turns, or the Dutch reason it cannot be read."""
    def read():
        try:
            return transcripts.read(name, data, pattern)
        except transcripts.TranscriptError as error:
            return error.message
    return widgets.kept("parsed", (name, widgets.digest(data), pattern), read)


def source_files() -> list[tuple[str, bytes]]:
    """The uploaded files, and pasted text as one more .txt file."""
    # A new key after an import empties the uploader, so a second click cannot import twice.
    uploads = st.file_uploader("Transcripten (.txt, .docx, .vtt, .srt, .md)",
                               type=["txt", "docx", "vtt", "srt", "md"],
                               accept_multiple_files=True,
                               key=f"uploads_{st.session_state.get('import_round', 0)}")
    files = [(u.name, u.getvalue()) for u in uploads or []]
    with st.expander("Of plak een transcript"):
        pasted_name = st.text_input("Naam van het document", value="Geplakt transcript")
        pasted = st.text_area("Tekst", height=160,
                              key=f"pasted_{st.session_state.get('import_round', 0)}")
    if pasted.strip():
        files.append((f"{pasted_name.strip() or 'Geplakt transcript'}.txt",
                      pasted.encode("utf-8")))
    return files


def review(index: int, name: str, transcript: transcripts.Transcript, pseudonymise: bool,
           extra: list[str], pending: dict) -> dict:
    """One file's preview with its corrections; returns what `intake.save` needs."""
    with st.expander(f"{shell.plain(name)}: {len(transcript.turns)} beurten, "
                     f"{transcript.word_count()} woorden", expanded=index == 0):
        for warning in transcript.warnings:
            st.warning(shell.plain(warning))
        speakers = transcript.speakers()
        renames = {}
        if speakers:
            st.caption("Sprekers: geef een andere naam, of twee sprekers dezelfde naam om ze "
                       "samen te voegen.")
            edited = st.data_editor(
                pd.DataFrame({"Spreker": speakers, "Nieuwe naam": speakers}),
                hide_index=True, disabled=["Spreker"], key=f"speakers_{index}", width="stretch",
                placeholder="")
            renames = dict(zip(edited["Spreker"], edited["Nieuwe naam"].fillna("").str.strip(),
                               strict=True))
        case_modes = case_choices(index, transcript.name,
                                  list(dict.fromkeys(renames.get(s) or s for s in speakers)))
        st.dataframe(pd.DataFrame([{"Spreker": t.speaker or "", "Tijd": t.time_s,
                                    "Tekst": t.text[:300]} for t in transcript.turns[:12]]),
                     hide_index=True, width="stretch", placeholder="—")
        columns = st.columns(2)
        kind = columns[0].selectbox("Soort", list(DOCUMENT_KINDS), format_func=DOCUMENT_KINDS.get,
                                    index=1 if len(speakers) > 2 else 0, key=f"kind_{index}",
                                    placeholder="Kies een optie")
        held_on = columns[1].date_input("Datum van het gesprek", value=None,
                                        format="DD-MM-YYYY", key=f"date_{index}")
        accepted = None
        if pseudonymise:
            accepted = pseudonym_choices(index, transcript.rename(
                {k: v for k, v in renames.items() if v and v != k}), extra, pending)
    return {"renames": renames, "kind": kind, "case_modes": case_modes,
            "held_on": held_on.isoformat() if held_on else None, "accepted": accepted}


def case_choices(index: int, name: str, speakers: list[str]) -> dict[str, str]:
    """Which case each speaker goes to: a role ('Respondent', 'INT') gets a case of its own
    in this document, a name joins the case of that name. Where a speaker would join an
    existing case, or could, the user chooses. Returns speaker -> 'eigen' or 'gedeeld'."""
    if not speakers:
        return {}
    plan = cases.case_plan(store, user, project_id, name, speakers)
    modes = {}
    for item in plan:
        names, counts = item["names"], item["documents"]
        if item["joins"] or item["exists"]["gedeeld"]:
            where = shell.count(counts["gedeeld"], "document", "documenten")
            options = {"gedeeld": f"Bij de bestaande casus {shell.plain(names['gedeeld'])} "
                                  f"(al in {where})",
                       "eigen": f"Een eigen casus: {shell.plain(names['eigen'])}"}
            st.caption(f"{shell.plain(item['speaker'])} bestaat al als casus in dit project.")
            modes[item["speaker"]] = st.radio(
                f"Casus van {shell.plain(item['speaker'])}", list(options),
                format_func=options.get,
                index=list(options).index(item["mode"]), key=f"case_{index}_{item['speaker']}")
        else:
            modes[item["speaker"]] = item["mode"]
    st.caption("Casussen: " + "; ".join(
        f"{shell.plain(item['speaker'])} → {shell.plain(item['names'][modes[item['speaker']]])}"
        f"{'' if item['exists'][modes[item['speaker']]] else ' (nieuw)'}" for item in plan)
        + ". Een rol als Respondent of INT is in elk document een eigen casus.")
    return modes


def pseudonym_choices(index: int, transcript: transcripts.Transcript, extra: list[str],
                      pending: dict) -> list[pseudonyms.Suggestion]:
    """The suggestions as an editable table; returns the accepted ones as changed, and adds
    them to `pending` so the next file of the batch numbers on from them."""
    text = transcript.render()[0]
    detected = widgets.kept("detected", (widgets.digest(text),),
                            lambda: pseudonyms.detect(text))
    found = pseudonyms.suggest(store, user, project_id, transcript, extra, pending, detected)
    if not found:
        st.caption("Geen namen, adressen of nummers gevonden om te vervangen.")
        return []
    st.caption("Pseudonimisering: vink uit wat moet blijven staan, of pas de vervanging aan. "
               "Wat al in de sleutel van het project staat, wordt altijd hetzelfde vervangen.")
    table = pd.DataFrame([{"Vervangen": True, "Origineel": s.original,
                           "Soort": pseudonyms.KINDS[s.kind], "Door": s.pseudonym,
                           "Aantal": s.count} for s in found])
    edited = st.data_editor(table, hide_index=True, key=f"pseudo_{index}", width="stretch",
                            disabled=["Origineel", "Soort", "Aantal"], placeholder="")
    chosen = []
    for suggestion, (_, row) in zip(found, edited.iterrows(), strict=True):
        if row["Vervangen"]:
            pseudonym = suggestion.pseudonym if suggestion.known else str(row["Door"] or "")
            chosen.append(pseudonyms.Suggestion(suggestion.original, suggestion.kind, pseudonym,
                                                suggestion.count, suggestion.source,
                                                suggestion.known))
    pending.update({s.original: (s.kind, s.pseudonym) for s in chosen})
    return chosen


with transcripts_tab:
    files = source_files()
    pattern = st.selectbox("Sprekers herkennen", [*transcripts.PATTERNS, "eigen"],
                           format_func=lambda k: transcripts.PATTERNS.get(
                               k, "Eigen reguliere expressie"), placeholder="Kies een optie")
    if pattern == "eigen":
        pattern = st.text_input("Reguliere expressie met een groep (?P<speaker>...)",
                                value=r"^(?P<speaker>[A-Z][\w .]{0,30}):")
    pseudonymise = st.toggle("Pseudonimiseren vóór het opslaan", value=True)
    extra = []
    if pseudonymise:
        extra = [n.strip() for n in st.text_area(
            "Extra namen om te vervangen (één per regel)", height=80).splitlines() if n.strip()]
    for message in st.session_state.pop("import_done", []):
        st.success(message)
    ready: list = []
    pending: dict[str, tuple[str, str]] = {}
    reading = st.empty()
    for index, (name, data) in enumerate(files):
        reading.progress(index / len(files), text=f"Voorbeeld van {shell.plain(name)} "
                                                  f"({index + 1} van {len(files)})")
        transcript = parsed(name, data, pattern)
        if isinstance(transcript, str):
            st.error(shell.plain(transcript))
            continue
        with shell.reported():
            ready.append((transcript, review(index, name, transcript, pseudonymise, extra,
                                             pending)))
    reading.empty()
    if ready and st.button(f"{len(ready)} document(en) importeren", type="primary"):
        progress = st.progress(0.0, text="Importeren...")
        done = []
        for number, (transcript, choices) in enumerate(ready, 1):
            with shell.reported():
                document_id = intake.save(store, user, project_id, transcript, **choices)
                stored = documents.document(store, user, document_id)["name"]
                done.append(f"{shell.plain(stored)} geïmporteerd.")
            progress.progress(number / len(ready), text=f"{number} van {len(ready)}")
        if len(done) == len(ready):
            # Everything saved: start a new round with an empty uploader.
            st.session_state["import_done"] = done
            st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1
            st.rerun()
        for message in done:
            st.success(message)

with refi_tab:
    st.caption("Een project (.qdpx) wordt een nieuw project; een codeboek (.qdc) komt bij de "
               "codes van het gekozen project. Wat niet kan worden overgenomen, staat in het "
               "verslag.")
    upload = st.file_uploader("REFI-QDA-bestand", type=["qdpx", "qdc"])
    if upload is not None and st.button("Inlezen"):
        with shell.reported(), tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            if path.suffix.lower() == ".qdc":
                result = exchange.import_qdc(store, user, project_id, path)
                st.success(shell.count(result["codes"], "code", "codes") + " en "
                           + shell.count(result["codesets"], "codeset", "codesets")
                           + " toegevoegd.")
            else:
                result = exchange.import_qdpx(store, user, path)
                st.success("Nieuw project met "
                           + shell.count(result["documents"], "document", "documenten") + ", "
                           + shell.count(result["codes"], "code", "codes") + ", "
                           + shell.count(result["codings"], "codering", "coderingen")
                           + " en " + shell.count(result["memos"], "memo", "memo's") + ".")
            for warning in result["warnings"]:
                st.warning(shell.plain(warning))
