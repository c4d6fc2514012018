"""Hostile input for every importer: transcripts (.txt .md .docx .vtt .srt), REFI projects
(.qdpx) and codebooks (.qdc, YAML), monitor waves (.sav .xlsx .csv), frames and
questionnaires, through the domain functions and through the command line.

Every file ends in one of two ways:
- refused with a `UserError` whose message is Dutch and names the file, and the database
  (every row of every table, the event log included) and the pseudonym key file exactly as
  they were;
- or imported correctly: the stored text is exactly the expected text, HTML and script kept
  as plain text (escaping on screen is tested by the page and browser tests).

The small files are committed in tests/hostile/ (rebuilt by tests/hostile/generate.py); the
big ones (50 MB and more, thousands of codes) are made here in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hostile import generate
from research.cli import main
from research.errors import UserError
from research.qual import (
    cases,
    codebook,
    codings,
    documents,
    exchange,
    intake,
    memos,
    projects,
    pseudonyms,
    refi,
    transcripts,
)
from research.qual.pseudonyms import Suggestion
from research.survey import intake as survey_intake
from research.survey import monitors, readers, waves

HOSTILE = Path(__file__).resolve().parent / "hostile"
ROOT = HOSTILE.parents[1]
MB = 1024 * 1024
# Words of which a Dutch message has at least two (and an English traceback none).
DUTCH_WORDS = {"het", "de", "een", "is", "niet", "geen", "bestand", "bevat", "kan", "wordt",
               "van", "of", "en", "te", "moet", "heeft", "zijn", "nodig", "uit", "leeg", "dan",
               "codes", "regel"}
ENGLISH_WORDS = {"the", "error", "traceback", "exception", "expected", "invalid", "file"}


# -- the database before and after -----------------------------------------------------------

def database_dump(db_path: Path) -> str:
    """Every row of every table (schema and event log included), in a stable order."""
    connection = sqlite3.connect(db_path)
    try:
        parts = []
        for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            rows = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{name}"'))
            parts.append(f"{name}\n{sql}\n" + "\n".join(rows))
        return "\n\n".join(parts)
    finally:
        connection.close()


def state(store) -> tuple[str, str | None]:
    """A hash of the database's content and of the pseudonym key file (None: no key file)."""
    key = pseudonyms.key_path(store)
    return (hashlib.sha256(database_dump(store.path).encode()).hexdigest(),
            hashlib.sha256(key.read_bytes()).hexdigest() if key.exists() else None)


def assert_dutch(message: str) -> None:
    """At least two common Dutch words and no English ones; a library's own words are allowed
    only inside the marked note '(technische melding: ...)'."""
    message = re.sub(r"\(technische melding: .*\)", "", message)
    words = {w.strip(".,:;'()").lower() for w in message.split()}
    assert len(words & DUTCH_WORDS) >= 2, message
    assert not words & ENGLISH_WORDS, message
    assert "Traceback" not in message


def refused(store, action, name: str, fragment: str) -> str:
    """Run `action`, which must raise a UserError whose Dutch message names the file and holds
    `fragment`, and leave the database and the key file untouched; returns the message."""
    before = state(store)
    with pytest.raises(UserError) as caught:
        action()
    message = caught.value.message
    assert name in message, message
    assert fragment in message, message
    assert_dutch(message)
    assert not store.db.conn.in_transaction
    assert state(store) == before
    return message


def corpus(name: str) -> Path:
    path = HOSTILE / name
    assert path.is_file() and path.stat().st_size <= 200 * 1024, name
    return path


def test_the_committed_corpus_is_what_the_generator_makes():
    files = generate.corpus()
    committed = {p.name for p in HOSTILE.iterdir() if p.suffix not in (".py", ".pyc")
                 and p.is_file()}
    rebuild = "rebuild with: python tests/hostile/generate.py"
    assert committed == set(files), rebuild
    for name, data in files.items():
        assert (HOSTILE / name).read_bytes() == data, f"{name}: {rebuild}"


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def olga(users):
    return users["onderzoeker"]


@pytest.fixture
def anna(users):
    return users["analist"]


@pytest.fixture
def monitor(store, anna):
    """A monitor with four municipalities in its frame."""
    monitor_id = monitors.create_monitor(store, anna, "Testmonitor", "gemeente")
    monitors.set_frame(store, anna, monitor_id, [
        {"code": f"G{n}", "name": f"Gemeente {n}", "region": "Noord" if n < 3 else "Zuid"}
        for n in range(1, 5)])
    return monitor_id


@pytest.fixture
def scratch(tmp_path):
    """tmp_path for the big files, emptied of them afterwards (pytest keeps old tmp_paths)."""
    yield tmp_path
    for path in tmp_path.iterdir():
        if path.is_file() and path.stat().st_size > MB and not path.name.startswith("research"):
            path.unlink()   # not the database (db_path lives in the same tmp_path)


def import_transcript(store, user, project_id, path: Path, accepted=None) -> int:
    transcript = transcripts.read(path.name, path.read_bytes())
    return intake.save(store, user, project_id, transcript, accepted=accepted)


def load_wave(store, user, monitor_id, path: Path, questionnaire: bytes | None = None) -> int:
    wave = survey_intake.read(path.read_bytes(), path.name, questionnaire, "vragenlijst.csv")
    return survey_intake.load(store, user, monitor_id, "2026", 2026, wave, source=path.name)[0]


# -- transcripts -------------------------------------------------------------------------------

TRANSCRIPTS_REFUSED = [
    ("empty.txt", "is leeg"),
    ("empty.md", "is leeg"),
    ("empty.vtt", "is leeg"),
    ("empty.srt", "is leeg"),
    ("empty.docx", "is leeg"),
    ("blank.txt", "is leeg"),
    ("only-controls.txt", "lijkt geen tekstbestand"),
    ("utf16-no-bom.txt", "lijkt geen tekstbestand"),
    ("utf16-broken.txt", "lijkt UTF-16-tekst maar is beschadigd"),
    ("utf32.txt", "lijkt geen tekstbestand"),
    ("pdf-as.txt", "lijkt geen tekstbestand"),
    ("docx-as.txt", "lijkt geen tekstbestand"),
    ("text-as.docx", "is geen geldig Word-bestand"),
    ("truncated.docx", "is geen geldig Word-bestand"),
    ("not-word.docx", "is geen geldig Word-bestand"),
    ("malformed.docx", "kan niet worden gelezen als Word-bestand"),
    ("lying-size.docx", "is geen geldig Word-bestand"),
    ("encrypted.docx", "is geen geldig Word-bestand"),
    ("zipbomb.docx", "mogelijk een zip-bom"),
    ("xxe.docx", "bevat een DTD of entiteiten"),
    ("billion-laughs.docx", "bevat een DTD of entiteiten"),
    ("parameter-entity.docx", "bevat een DTD of entiteiten"),
    ("external-dtd.docx", "bevat een DTD of entiteiten"),
    ("no-header.vtt", "is geen geldig WebVTT-bestand"),
    ("srt-as.vtt", "is geen geldig WebVTT-bestand"),
    ("no-timings.srt", "is geen geldig SRT-bestand"),
    ("truncated.vtt", "is leeg"),          # cut inside the first timing line: no text at all
    ("transcript.pdf", "wordt niet ondersteund"),
]

HTML_TEXT = ("Interviewer: <script>alert('xss')</script> Hoe gaat het?\n\n"
             "Respondent: <b>Goed</b> & <img src=x onerror=alert(1)> &amp; &lt;i&gt;")
RTL_TEXT = ("Interviewer: مرحبا، كيف حالك؟ 👩\u200d👩\u200d👧\n\n"
            "Respondent: שלום \u202eabc\u202c Cafe\u0301 🇳🇱 \u200f")
TRANSCRIPTS_IMPORTED = [
    ("html.txt", HTML_TEXT),
    ("utf16-le-bom.txt", HTML_TEXT),
    ("rtl-emoji.txt", RTL_TEXT),
    ("utf16-be-bom.txt", RTL_TEXT),
    ("cp1252.txt", "Interviewer: Café, één ‘citaat’ €5\n\nRespondent: ja"),
    # C0 controls, DEL and C1 removed; vertical tab and form feed are line breaks.
    ("controls.txt", "Interviewer: abcdefg\n\nRespondent: tab\there\nverticaal\npagina"),
    ("crlf-cr.txt", "Interviewer: een\ntwee\n\nRespondent: drie"),
    # VTT text is HTML-escaped and its own tags (<v>, <b>) are markup; <script> is not.
    ("html.vtt", "Interviewer: <script>alert('xss')</script> Hallo & welkom\n\n"
                 "Respondent: Dag 👋 مرحبا"),
    ("html.srt", "Interviewer: Hoi <script>alert('xss')</script>\n\n"
                 "Respondent: Dag 🇳🇱 שלום"),
    ("truncated.srt", "Interviewer: Hoi <scr"),    # cut in a cue: what is there
    ("html.md", "Kop <script>alert('xss')</script>\n\nInterviewer: <em>hoi</em> 😀\n\n"
                "Respondent: שלום \u202eabc"),
    ("html.docx", "Interviewer: <script>alert('xss')</script> Hoe gaat het? 😀\n\n"
                  "Respondent: <b>Goed</b> مرحبا"),
    # Nothing is extracted from a .docx, so unsafe member names do no harm.
    ("zip-slip.docx", "Interviewer: hallo\n\nRespondent: dag"),
    ("absolute-path.docx", "Interviewer: hallo\n\nRespondent: dag"),
]


@pytest.mark.parametrize("name, fragment", TRANSCRIPTS_REFUSED)
def test_transcript_refused(store, olga, qual, name, fragment):
    path = corpus(name)
    refused(store, lambda: import_transcript(store, olga, qual, path), f"'{name}'", fragment)


@pytest.mark.parametrize("name, expected", TRANSCRIPTS_IMPORTED)
def test_transcript_imported_exactly(store, olga, qual, name, expected):
    document_id = import_transcript(store, olga, qual, corpus(name))
    document = documents.document(store, olga, document_id)
    assert document["text"] == expected
    stored = documents.turns(store, olga, document_id)
    # Roles are cases of their document ("Interviewer — html").
    assert [t["speaker"] for t in stored if t["speaker"]] == [
        f"{label} — {document['name']}" for label in (
            ["Interviewer"] if name.startswith("truncated") else ["Interviewer", "Respondent"])]
    for turn in stored:
        assert 0 <= turn["start_pos"] <= turn["end_pos"] <= len(expected)


@pytest.mark.parametrize("extension", ["txt", "md", "vtt", "srt", "docx"])
def test_transcript_of_50_mb_is_refused(store, olga, qual, scratch, extension):
    path = scratch / f"groot.{extension}"
    if extension == "docx":
        generate.big_docx(path, 50 * MB)
    else:
        generate.big_text(path, 50 * MB)
    assert path.stat().st_size >= 50 * MB
    refused(store, lambda: import_transcript(store, olga, qual, path), "'groot."
            f"{extension}'", "de grens is 20 MB")


def test_transcript_longer_than_a_document_is_refused_without_a_key(store, olga, qual,
                                                                    scratch):
    path = generate.big_text(scratch / "lang.txt", documents.MAX_CHARACTERS + MB // 2,
                             b"Interviewer: Fatima woont hier." + b" ja" * 300 + b"\n")
    accepted = [Suggestion("Fatima", "persoon", "Persoon 1", 1, "lijst")]
    refused(store, lambda: import_transcript(store, olga, qual, path, accepted), "'lang'",
            "is te lang")
    assert not pseudonyms.key_path(store).exists()


def test_docx_unpacking_larger_than_the_limit_is_refused(store, olga, qual, monkeypatch):
    monkeypatch.setattr(transcripts, "DOCX_MAX_TOTAL_BYTES", 10_000)
    refused(store, lambda: import_transcript(store, olga, qual, corpus("html.docx")),
            "'html.docx'", "is uitgepakt groter dan")


def read_in_child(paths: list[Path], pattern: str = "auto") -> list:
    """Per file, [turns, speakers, text lines, warnings], or the refusal's message, read in a
    child process with a hard timeout: a regression to quadratic or exponential reading fails
    instead of hanging the test run (a safety net, not a measurement)."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from research.qual import transcripts\n"
        "out = []\n"
        "for name in sys.argv[2:]:\n"
        "    path = Path(name)\n"
        "    try:\n"
        "        t = transcripts.read(path.name, path.read_bytes(), sys.argv[1])\n"
        "        out.append([len(t.turns), t.speakers(),\n"
        "                    sum(u.text.count('\\n') + 1 for u in t.turns), t.warnings])\n"
        "    except transcripts.TranscriptError as error:\n"
        "        out.append(error.message)\n"
        "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", script, pattern, *map(str, paths)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_long_transcripts_are_read_in_linear_time_or_refused(scratch):
    lines = transcripts.MAX_LINES - 10
    docx_ok = generate.many_paragraphs_docx(scratch / "lang.docx", lines)
    docx_refused = generate.many_paragraphs_docx(scratch / "te-lang.docx", 295_000)
    srt = generate.one_speaker_srt(scratch / "toespraak.srt", lines)
    txt = generate.blank_lines_txt(scratch / "leeg.txt", lines)
    assert docx_refused.stat().st_size < 3 * MB
    assert read_in_child([docx_ok, docx_refused, srt, txt]) == [
        [lines, [], lines, [transcripts.NO_SPEAKERS]],
        "Het bestand 'te-lang.docx' heeft meer dan 100.000 regels of alinea's; dat is meer dan "
        "een transcript. Splits het in kleinere delen.",
        [1, ["Jan"], 1, []],
        [4, ["Jan", "Piet"], 4, []]]


BACKTRACKING = r"(?P<speaker>(a+)+)$"


def test_a_backtracking_speaker_pattern_reads_the_file_at_once():
    """Python's re needs 2^1000 steps per line for this pattern; the user's pattern runs on a
    linear-time engine. A child process with a hard timeout keeps a regression from hanging
    the test run (the timeout is a safety net, not a measurement)."""
    assert read_in_child([corpus("backtracking.txt")], BACKTRACKING) == [
        [2, ["aaa"], 51, ["50 regels zonder spreker"]]]


@pytest.mark.parametrize("pattern, fragment", [
    (r"(?P<speaker>\w+)(?=:)", "vooruit- of terugkijken"),
    (r"(?P<speaker>(\w)\2+)", "terugverwijzingen"),
    ("(?P<speaker>a)" + "x" * 1000, "is langer dan 1000 tekens"),
])
def test_a_speaker_pattern_the_safe_engine_refuses_is_refused_in_dutch(store, olga, qual,
                                                                       pattern, fragment):
    path = corpus("backtracking.txt")
    refused(store, lambda: intake.save(store, olga, qual, transcripts.read(
        path.name, path.read_bytes(), pattern)), "'backtracking.txt'", fragment)


# -- REFI projects (.qdpx) ---------------------------------------------------------------------

QDPX_REFUSED = [
    ("empty.qdpx", "is geen zip-bestand"),
    ("text-as.qdpx", "is geen zip-bestand"),
    ("qdc-as.qdpx", "is geen zip-bestand"),
    ("truncated.qdpx", "is geen zip-bestand"),
    ("no-project.qdpx", "bevat geen project.qde"),
    ("malformed.qdpx", "is geen geldige XML"),
    ("zip-slip.qdpx", "onveilige bestandsnaam ('../../evil.txt')"),
    ("absolute-path.qdpx", "onveilige bestandsnaam ('/etc/evil.txt')"),
    ("windows-path.qdpx", "onveilige bestandsnaam"),
    ("zipbomb.qdpx", "mogelijk een zip-bom"),
    ("lying-size.qdpx", "is beschadigd"),
    ("encrypted.qdpx", "is versleuteld"),
    ("xxe.qdpx", "bevat een DTD of entiteiten"),
    ("billion-laughs.qdpx", "bevat een DTD of entiteiten"),
    ("parameter-entity.qdpx", "bevat een DTD of entiteiten"),
    ("external-dtd.qdpx", "bevat een DTD of entiteiten"),
    ("nul-in-source.qdpx", "bevat binaire tekens (NUL)"),
    ("deep-codes.qdpx", "meer dan 100 niveaus diep genest"),
]


@pytest.mark.parametrize("name, fragment", QDPX_REFUSED)
def test_qdpx_refused(store, olga, qual, name, fragment):
    path = corpus(name)
    refused(store, lambda: exchange.import_qdpx(store, olga, path), f"'{name}'", fragment)


def test_qdpx_added_to_a_project_is_refused_whole(store, olga, qual):
    codebook.add_code(store, olga, qual, "Bestaand")
    refused(store, lambda: exchange.import_qdpx(store, olga, corpus("nul-in-source.qdpx"),
                                                project_id=qual),
            "'nul-in-source.qdpx'", "binaire tekens")


def test_qdpx_with_html_rtl_emoji_and_controls_is_stored_as_plain_text(store, olga, qual):
    result = exchange.import_qdpx(store, olga, corpus("html-rtl-controls.qdpx"))
    project_id = result["project_id"]
    assert projects.project(store, olga, project_id)["name"] == f"Project {generate.SCRIPT}"
    [doc] = documents.documents(store, olga, project_id)
    assert doc["name"] == f"Bron {generate.SCRIPT}"
    text = documents.document(store, olga, doc["id"])["text"]
    # Kept exactly (control characters too, they are not NUL), only line ends made \n.
    assert text == generate.REFI_TEXT.replace("\r\n", "\n")
    [code] = codebook.codes(store, olga, project_id)
    assert (code["name"], code["description"]) == (generate.REFI_CODE,
                                                    generate.REFI_DESCRIPTION)
    [coding] = codings.codings(store, olga, doc["id"])
    assert text[coding["start_pos"]:coding["end_pos"]] == generate.REFI_CODED
    [memo] = memos.memos(store, olga, project_id)
    assert (memo["title"], memo["body"]) == (f"Memo {generate.SCRIPT}", generate.REFI_NOTE)


@pytest.mark.parametrize("name, text, warned", [
    ("utf16-source.qdpx", generate.PLAIN_TEXT, False),
    ("cp1252-source.qdpx", "Interviewer: Café €5?\n\nRespondent: één.", True)])
def test_qdpx_source_in_another_encoding_is_decoded(store, olga, qual, name, text, warned):
    result = exchange.import_qdpx(store, olga, corpus(name))
    [doc] = documents.documents(store, olga, result["project_id"])
    assert documents.document(store, olga, doc["id"])["text"] == text
    assert any("Windows-1252" in w for w in result["warnings"]) == warned
    [coding] = codings.codings(store, olga, doc["id"])
    assert (coding["start_pos"], coding["end_pos"]) == (0, 10)


def test_qdpx_with_blank_and_duplicate_names_gets_names(store, olga, qual):
    result = exchange.import_qdpx(store, olga, corpus("blank-names.qdpx"))
    project_id = result["project_id"]
    assert projects.project(store, olga, project_id)["name"] == "Geïmporteerd project"
    assert [d["name"] for d in documents.documents(store, olga, project_id)] == ["Document"]
    assert sorted(s["name"] for s in codebook.code_sets(store, olga, project_id)) == [
        "Codeset", "Dubbel", "Dubbel (2)"]
    assert [a["name"] for a in cases.attributes(store, olga, project_id, "case")] == [
        "Kenmerk 1"]


@pytest.mark.slow
def test_qdpx_of_50_mb_is_refused(store, olga, qual, scratch):
    path = generate.big_qdpx(scratch / "groot.qdpx", 50 * MB)
    assert path.stat().st_size >= 50 * MB
    refused(store, lambda: exchange.import_qdpx(store, olga, path), "'groot.qdpx'",
            "is te lang")


def test_qdpx_with_too_many_codes_is_refused(store, olga, qual, scratch):
    path = generate.many_codes_qdpx(scratch / "codes.qdpx", refi.MAX_CODES + 1)
    refused(store, lambda: exchange.import_qdpx(store, olga, path), "'codes.qdpx'",
            "meer dan 10.000 codes")


def test_qdpx_unpacking_larger_than_the_limit_is_refused(store, olga, qual, monkeypatch):
    monkeypatch.setattr(refi.reading, "MAX_TOTAL_BYTES", 1000)
    refused(store, lambda: exchange.import_qdpx(store, olga, corpus("blank-names.qdpx")),
            "'blank-names.qdpx'", "is uitgepakt groter dan")


# -- REFI codebooks (.qdc) and YAML codebooks --------------------------------------------------

QDC_REFUSED = [
    ("empty.qdc", "is geen geldige XML"),
    ("binary.qdc", "is geen geldige XML"),
    ("qdpx-as.qdc", "is geen geldige XML"),
    ("project-as.qdc", "is geen REFI-QDA-codeboek"),
    ("malformed.qdc", "is geen geldige XML"),
    ("deep-codes.qdc", "meer dan 100 niveaus diep genest"),
    ("xxe.qdc", "bevat een DTD of entiteiten"),
    ("billion-laughs.qdc", "bevat een DTD of entiteiten"),
    ("parameter-entity.qdc", "bevat een DTD of entiteiten"),
    ("external-dtd.qdc", "bevat een DTD of entiteiten"),
]

YAML_REFUSED = [
    ("empty.yaml", "heeft geen lijst 'codes'"),
    ("not-utf8.yaml", "kan niet worden gelezen"),
    ("recursive.yaml", "meer dan 100 niveaus diep genest"),
    ("alias-bomb.yaml", "'naam' moet een tekst zijn"),
    ("alias-tree.yaml", "meer dan 10.000 codes"),
    # PyYAML's scanner takes over a second on 5,000 nested brackets: in `make test` only.
    pytest.param("deep.yaml", "te diep genest", marks=pytest.mark.slow),
    ("python-tag.yaml", "geen geldig YAML-bestand"),
    ("wrong-types.yaml", "moet een lijst zijn"),
]


@pytest.mark.parametrize("name, fragment", QDC_REFUSED)
def test_qdc_refused(store, olga, qual, name, fragment):
    path = corpus(name)
    refused(store, lambda: exchange.import_qdc(store, olga, qual, path), f"'{name}'", fragment)


def test_qdc_with_html_and_duplicate_sets_is_stored_as_plain_text(store, olga, qual):
    assert exchange.import_qdc(store, olga, qual, corpus("html.qdc"))["codes"] == 1
    [code] = codebook.codes(store, olga, qual)
    assert (code["name"], code["description"], code["colour"]) == (
        generate.REFI_CODE, generate.REFI_DESCRIPTION, "#ff0000")
    assert sorted(s["name"] for s in codebook.code_sets(store, olga, qual)) == [
        "Codeset", "Dubbel", "Dubbel (2)"]


def test_qdc_of_50_mb_is_refused(store, olga, qual, scratch):
    path = generate.big_qdc(scratch / "groot.qdc", 50 * MB)
    refused(store, lambda: exchange.import_qdc(store, olga, qual, path), "'groot.qdc'",
            "is groter dan 20 MB")


@pytest.mark.parametrize("name, fragment", YAML_REFUSED)
def test_yaml_codebook_refused(store, olga, qual, name, fragment):
    path = corpus(name)

    def load():
        codebook.load_codes(store, olga, qual, *codebook.read_yaml_file(path))

    refused(store, load, name, fragment)


def test_yaml_codebook_with_html_is_stored_as_plain_text(store, olga, qual):
    flat, sets = codebook.read_yaml_file(corpus("html.yaml"))
    assert codebook.load_codes(store, olga, qual, flat, sets)["codes"] == 2
    stored = {c["name"]: c for c in codebook.codes(store, olga, qual)}
    assert stored[generate.SCRIPT]["description"] == "<b>\u202eabc 😀</b>"
    assert stored["Sub \u0627\u0644"]["parent_id"] == stored[generate.SCRIPT]["id"]
    assert [s["name"] for s in codebook.code_sets(store, olga, qual)] == ["<i>set</i>"]


def test_yaml_codebook_too_big_is_refused(store, olga, qual, scratch):
    path = generate.big_yaml(scratch / "groot.yaml", 150_000)
    assert path.stat().st_size > codebook.MAX_YAML_CHARACTERS
    refused(store, lambda: codebook.read_yaml_file(path), "groot.yaml", "te groot")
    # The page hands the decoded upload to parse_yaml: the same limit applies there.
    refused(store, lambda: codebook.parse_yaml(path.read_text(encoding="utf-8"), "groot.yaml"),
            "groot.yaml", "te groot")


# -- monitor waves, frames, questionnaires ----------------------------------------------------

WAVES_REFUSED = [
    ("empty.csv", "is leeg"),
    ("empty.sav", "is leeg"),
    ("empty.xlsx", "is leeg"),
    ("header-only.csv", "alleen een kopregel"),
    ("one-line.csv", "is één regel van 0,1 MB zonder regeleinden"),
    ("wide-header.csv", "de kopregel heeft 20.001 kolommen"),
    ("truncated.sav", "is beschadigd of onvolledig"),
    ("truncated.xlsx", "is beschadigd of onvolledig"),
    ("text-as.sav", "is geen SPSS-bestand"),
    ("pdf-as.xlsx", "is geen Excel-bestand"),
    ("xls-ole.xlsx", "oud Excel-bestand"),
    ("zip-not-excel.xlsx", "geen Excel-werkmap"),
    ("utf16-no-bom.csv", "is geen CSV-bestand"),
    ("ragged.csv", "regel 2 heeft 4 velden, de kopregel 2"),
    ("unclosed-quote.csv", "wordt nergens gesloten"),
    ("nul.csv", "is geen CSV-bestand"),
    ("duplicate-header.csv", "komt 2 keer voor"),
    ("zipbomb.xlsx", "wordt uit voorzorg niet geopend"),
    ("xxe.xlsx", "bevat een DTD of entiteiten"),
    ("billion-laughs.xlsx", "bevat een DTD of entiteiten"),
]

ANSWERS = generate.OPEN_ANSWERS
# Excel stores a text that starts with '=' as a formula; only cached values are read, and a
# formula without one is no answer (it is never evaluated).
XLSX_ANSWERS = [ANSWERS[0], None, *ANSWERS[2:]]
WAVES_IMPORTED = [
    ("html-rtl.csv", ANSWERS),
    ("utf16-bom.csv", ANSWERS),
    ("utf32-bom.csv", ANSWERS),
    ("cr-only.csv", ANSWERS),
    ("cp1252.csv", ["Café €5 ‘ja’", "één"]),
    ("controls.csv", ["gewoon antwoord"] * 20 + ["a\x01b"]),
    ("html-rtl.sav", ANSWERS),
    ("sav-as.csv", ANSWERS),
    ("huge-ncases.sav", ANSWERS),
    ("html-rtl.xlsx", XLSX_ANSWERS),
    # Nothing is extracted from a workbook, so unsafe member names do no harm.
    ("zip-slip.xlsx", XLSX_ANSWERS),
    ("absolute-path.xlsx", XLSX_ANSWERS),
]


@pytest.mark.parametrize("name, fragment", WAVES_REFUSED)
def test_wave_refused(store, anna, monitor, name, fragment):
    path = corpus(name)
    refused(store, lambda: load_wave(store, anna, monitor, path), f"'{name}'", fragment)


@pytest.mark.parametrize("name, answers", WAVES_IMPORTED)
def test_wave_imported_exactly(store, anna, monitor, name, answers):
    wave_id = load_wave(store, anna, monitor, corpus(name))
    data = waves.wave_data(store, anna, wave_id).frame
    assert list(data["toelichting"]) == answers


def test_wave_labels_and_headers_with_html_are_stored_as_plain_text(store, anna, monitor):
    load_wave(store, anna, monitor, corpus("html-rtl.sav"))
    stored = {v["name"]: v for v in monitors.variables(store, anna, monitor)}
    assert stored["tevreden"]["label"] == generate.WAVE_LABELS["tevreden"]
    assert stored["toelichting"]["label"] == generate.WAVE_LABELS["toelichting"]
    assert {float(k): v for k, v in stored["tevreden"]["value_labels"].items()} == \
        generate.WAVE_VALUE_LABELS["tevreden"]
    wave = survey_intake.read(corpus("html-header.csv").read_bytes(), "html-header.csv")
    survey_intake.load(store, anna, monitor, "2027", 2027, wave, source="html-header.csv")
    names = {v["name"] for v in monitors.variables(store, anna, monitor)}
    assert set(generate.HTML_HEADER) <= names


@pytest.mark.slow
def test_wave_csv_of_50_mb_is_imported(store, anna, monitor, scratch):
    path, rows = generate.big_csv(scratch / "groot.csv", 50 * MB)
    assert path.stat().st_size >= 50 * MB
    data = waves.wave_data(store, anna, load_wave(store, anna, monitor, path)).frame
    assert len(data) == rows
    assert data["toelichting"].iloc[-1].endswith(" " + generate.SCRIPT)


@pytest.mark.slow
def test_wave_xlsx_of_50_mb_is_imported(store, anna, monitor, scratch):
    path = generate.big_xlsx(scratch / "groot.xlsx", 50 * MB)
    data = waves.wave_data(store, anna, load_wave(store, anna, monitor, path)).frame
    assert list(data["toelichting"]) == XLSX_ANSWERS


@pytest.mark.slow
def test_wave_sav_of_50_mb_noise_is_refused(store, anna, monitor, scratch):
    path = generate.big_sav_garbage(scratch / "groot.sav", 50 * MB)
    refused(store, lambda: load_wave(store, anna, monitor, path), "'groot.sav'",
            "is beschadigd of onvolledig")


def test_wave_over_the_upload_limit_is_refused_unread(store, anna, monitor, scratch):
    path = generate.sparse(scratch / "reus.sav", readers.MAX_BYTES + 1)

    def load():
        wave = survey_intake.read(path, path.name)   # a path: refused by its size alone
        survey_intake.load(store, anna, monitor, "2026", 2026, wave, source=path.name)

    refused(store, load, "'reus.sav'", "is te groot")


def test_xlsx_unpacking_larger_than_the_limit_is_refused(store, anna, monitor, monkeypatch):
    monkeypatch.setattr(readers.excel, "MAX_UNZIPPED", 1000)
    refused(store, lambda: load_wave(store, anna, monitor, corpus("html-rtl.xlsx")),
            "'html-rtl.xlsx'", "wordt uit voorzorg niet geopend")


def test_questionnaire_with_a_field_over_the_csv_limit_is_refused(store, anna, monitor,
                                                                  scratch):
    questionnaire = generate.huge_field_questionnaire(scratch / "vragenlijst.csv")
    refused(store, lambda: load_wave(store, anna, monitor, corpus("html-rtl.csv"),
                                     questionnaire=questionnaire.read_bytes()),
            "'vragenlijst.csv'", "geen geldige vragenlijst")


@pytest.mark.slow
def test_wave_csv_of_one_100_mb_line_is_refused_before_any_design_check(store, anna, monitor,
                                                                          scratch):
    path = generate.single_line_csv(scratch / "een-regel.csv", 100 * MB)
    assert path.stat().st_size >= 100 * MB
    refused(store, lambda: load_wave(store, anna, monitor, path), "'een-regel.csv'",
            "zonder regeleinden")


def test_questionnaire_of_one_line_is_refused(store, anna, monitor):
    refused(store, lambda: load_wave(store, anna, monitor, corpus("html-rtl.csv"),
                                     questionnaire=corpus("one-line.csv").read_bytes()),
            "'vragenlijst.csv'", "zonder regeleinden")


FRAMES_REFUSED = [
    ("frame-empty.csv", "is leeg"),
    ("frame-binary.csv", "heeft de kolommen 'code' en 'naam' nodig"),
    ("frame-ragged.csv", "een rij heeft meer velden dan de kopregel"),
    ("frame-no-code.csv", "eenheid 'Beek' heeft geen code"),
    ("frame-infinite.csv", "is geen getal"),
    ("one-line.csv", "zonder regeleinden"),
    ("zipbomb.xlsx", "wordt uit voorzorg niet geopend"),
    ("zip-not-excel.xlsx", "geen Excel-werkmap"),
    ("xxe.xlsx", "bevat een DTD of entiteiten"),
]


@pytest.mark.parametrize("name, fragment", FRAMES_REFUSED)
def test_frame_refused(store, anna, monitor, name, fragment):
    data = corpus(name).read_bytes()
    refused(store, lambda: survey_intake.set_frame_from_file(store, anna, monitor, data, name),
            f"'{name}'", fragment)


def test_frame_in_utf16_with_html_and_rtl_is_stored_as_plain_text(store, anna, monitor):
    data = corpus("frame-utf16.csv").read_bytes()
    assert survey_intake.set_frame_from_file(store, anna, monitor, data, "kader.csv") == 2
    names = {u["code"]: u["name"] for u in monitors.frame(store, anna, monitor)}
    assert (names["G1"], names["G2"]) == (f"Aadorp {generate.SCRIPT}", "مرحبا 😀")


# -- XML entities never read a file or the network --------------------------------------------

@pytest.fixture
def listener():
    """A local HTTP server that records every request (an entity fetched would show up)."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "LEK-VAN-HET-NETWERK">')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/evil.dtd", requests
    finally:
        server.shutdown()
        server.server_close()


ATTACKS = ["xxe", "billion-laughs", "parameter-entity", "external-dtd"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_xml_entities_are_refused_and_read_nothing(store, olga, anna, qual, monitor, tmp_path,
                                                   listener, attack):
    """Entities pointing at a local file with a marker and at a live local server: every
    importer refuses the file, the marker is nowhere, and the server saw no request."""
    url, requests = listener
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIM-VAN-DE-SCHIJF", encoding="utf-8")
    urls = {"file_url": secret.as_uri(), "http_url": url}
    attempts = [
        ("entiteit.docx", generate.docx_with_entity(attack, **urls),
         lambda p: import_transcript(store, olga, qual, p)),
        ("entiteit.qdpx", generate.qdpx_with_entity(attack, **urls),
         lambda p: exchange.import_qdpx(store, olga, p)),
        ("entiteit.qdc", generate.qdc_with_entity(attack, **urls),
         lambda p: exchange.import_qdc(store, olga, qual, p)),
        ("entiteit.xlsx", generate.xlsx_with_entity(attack, **urls),
         lambda p: load_wave(store, anna, monitor, p)),
        ("werkmap.xlsx", generate.xlsx_with_entity(attack, "xl/workbook.xml", **urls),
         lambda p: load_wave(store, anna, monitor, p)),
        ("kader.xlsx", generate.xlsx_with_entity(attack, **urls),
         lambda p: survey_intake.set_frame_from_file(store, anna, monitor, p.read_bytes(),
                                                     p.name)),
    ]
    for name, data, action in attempts:
        path = tmp_path / name
        path.write_bytes(data)
        message = refused(store, lambda action=action, path=path: action(path), f"'{name}'",
                          "DTD of entiteiten")
        assert "GEHEIM-VAN" not in message and "LEK-VAN" not in message
    dump = database_dump(store.path)
    # The markers' longer parts: a random token in the dump (a password hash, a session code)
    # once held "LEK" by chance.
    assert "GEHEIM-VAN" not in dump and "LEK-VAN" not in dump
    assert requests == []


# -- the command line: `Fout: ...` and exit status 1, never a traceback ------------------------

@pytest.fixture
def cli(store, db_path, capsys, qual, monitor):
    def run(*args):
        before = state(store)
        status = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        assert status == 1, (out, err)
        assert err.strip().splitlines()[-1].startswith("Fout: "), err
        assert "Traceback" not in err + out
        assert state(store) == before
        return err
    return run


def test_cli_qual_import_refuses_every_hostile_transcript(cli):
    names = [name for name, _ in TRANSCRIPTS_REFUSED]
    err = cli("qual", "import", *(str(corpus(n)) for n in names), "--project", "Buurtkamers",
              "--user", "olga", "--pseudonymise")
    for _name, fragment in TRANSCRIPTS_REFUSED:
        assert fragment in err
    assert f"Fout: {len(names)} van de {len(names)} bestanden niet geïmporteerd." in err


@pytest.mark.parametrize("name", ["xxe.qdpx", "zip-slip.qdpx", "zipbomb.qdpx", "empty.qdpx",
                                  "nul-in-source.qdpx", "deep-codes.qdpx"])
def test_cli_qual_import_qdpx_refuses(cli, name):
    assert f"'{name}'" in cli("qual", "import-qdpx", str(corpus(name)), "--user", "olga")


@pytest.mark.parametrize("name", ["billion-laughs.qdc", "malformed.qdc", "recursive.yaml",
                                  "alias-bomb.yaml",
                                  pytest.param("deep.yaml", marks=pytest.mark.slow),
                                  "not-utf8.yaml"])
def test_cli_codebook_load_refuses(cli, name):
    assert name in cli("qual", "codebook-load", str(corpus(name)), "--project", "Buurtkamers",
                       "--user", "olga")


@pytest.mark.parametrize("name", ["ragged.csv", "truncated.sav", "zipbomb.xlsx", "xxe.xlsx",
                                  "utf16-no-bom.csv", "empty.sav"])
def test_cli_survey_load_refuses(cli, name):
    assert f"'{name}'" in cli("survey", "load", str(corpus(name)), "--monitor", "Testmonitor",
                              "--wave", "2026", "--user", "anna")


@pytest.mark.parametrize("name", ["frame-ragged.csv", "frame-no-code.csv", "zipbomb.xlsx"])
def test_cli_survey_load_refuses_a_hostile_frame(cli, name):
    assert f"'{name}'" in cli("survey", "load", str(corpus("html-rtl.csv")), "--monitor",
                              "Testmonitor", "--wave", "2026", "--frame", str(corpus(name)),
                              "--user", "anna")


def test_cli_survey_load_refuses_a_hostile_questionnaire(cli, tmp_path):
    questionnaire = generate.huge_field_questionnaire(tmp_path / "vragenlijst.csv")
    assert "'vragenlijst.csv'" in cli("survey", "load", str(corpus("html-rtl.csv")),
                                      "--monitor", "Testmonitor", "--wave", "2026",
                                      "--questionnaire", str(questionnaire), "--user", "anna")


def test_cli_refuses_a_50_mb_transcript(cli, scratch):
    path = generate.big_text(scratch / "groot.txt", 50 * MB)
    assert "de grens is 20 MB" in cli("qual", "import", str(path), "--project", "Buurtkamers",
                                      "--user", "olga")
