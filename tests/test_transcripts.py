"""Transcripts: txt, md, docx, vtt and srt read into speaker turns, rendered with exact spans."""

from __future__ import annotations

import io
import os
import zipfile

import docx
import pytest

from research import untrusted
from research.errors import UserError
from research.qual import transcripts
from research.qual.transcripts import (
    MAX_BYTES,
    NO_SPEAKERS,
    NO_SPEAKERS_CHOSEN,
    PATTERNS,
    Transcript,
    TranscriptError,
    Turn,
    read,
    split_turns,
)


def turns_of(transcript_or_turns) -> list[tuple]:
    """Turns as (speaker, text, time) tuples, after checking that render() spans are exact."""
    turns = getattr(transcript_or_turns, "turns", transcript_or_turns)
    full, spans = Transcript("x", "txt", turns, []).render()
    assert len(spans) == len(turns)
    for turn, (start, end) in zip(turns, spans, strict=True):
        assert full[start:end] == turn.text
    assert not full.endswith("\n")
    return [(t.speaker, t.text, t.time_s) for t in turns]


def refused(filename: str, data: bytes, pattern: str = "auto") -> str:
    """The Dutch message of the TranscriptError that reading the file raises."""
    with pytest.raises(TranscriptError) as caught:
        read(filename, data, pattern)
    message = str(caught.value)
    assert filename in message
    assert isinstance(caught.value, UserError)
    return message


def make_docx(build) -> bytes:
    """A .docx made with python-docx; `build(document)` adds the content."""
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# -- the Transcript object -------------------------------------------------------------------------

def test_render_joins_turns_and_spans_cover_only_the_utterance():
    transcript = Transcript("t", "txt", [Turn(None, "Inleiding", None),
                                         Turn("Jan", "Hallo\ndaar", 1.0),
                                         Turn("Piet", "Ja 😀", None)], [])
    full, spans = transcript.render()
    assert full == "Inleiding\n\nJan: Hallo\ndaar\n\nPiet: Ja 😀"
    assert spans == [(0, 9), (16, 26), (34, 38)]
    assert [full[s:e] for s, e in spans] == ["Inleiding", "Hallo\ndaar", "Ja 😀"]


def test_speakers_word_count_and_rename_merges():
    transcript = Transcript("t", "txt", [Turn(None, "Intro tekst", None),
                                         Turn("INT", "Hoe gaat het?"), Turn("R1", "Goed"),
                                         Turn("Int", "Mooi zo")],
                            ["3 regels zonder spreker",
                             "Sprekers die alleen in hoofdletters of een punt verschillen: "
                             "'INT', 'Int'; voeg ze samen als het dezelfde persoon is."])
    assert transcript.speakers() == ["INT", "R1", "Int"]
    assert transcript.word_count() == 8
    renamed = transcript.rename({"INT": " Interviewer ", "Int": "Interviewer", "X": "Y",
                                 "R1": "Respondent"})
    assert renamed is not transcript
    assert renamed.speakers() == ["Interviewer", "Respondent"]
    assert turns_of(renamed) == [(None, "Intro tekst", None),
                                 ("Interviewer", "Hoe gaat het?", None),
                                 ("Respondent", "Goed", None), ("Interviewer", "Mooi zo", None)]
    assert renamed.warnings == ["3 regels zonder spreker"]
    assert transcript.speakers() == ["INT", "R1", "Int"]          # the original is unchanged


def test_rename_to_an_empty_name_is_refused():
    transcript = Transcript("focusgroep", "vtt", [Turn("Jan", "Hoi")], [])
    with pytest.raises(TranscriptError) as caught:
        transcript.rename({"Jan": "  "})
    assert str(caught.value) == ("Geef een naam voor spreker 'Jan' in 'focusgroep.vtt'; een lege "
                                 "naam kan niet.")
    assert transcript.rename({"Onbekend": ""}).speakers() == ["Jan"]


def test_patterns_have_dutch_labels():
    assert PATTERNS["auto"] == "Automatisch herkennen"
    assert list(PATTERNS) == ["auto", "naam", "haakjes", "codes", "tijd_naam", "naam_tijd",
                              "teams", "geen"]


# -- plain text: label forms -----------------------------------------------------------------------

INTERVIEW = """Interview met bewoner, 12 maart

Interviewer: Hoe lang woont u hier al?
Respondent: Twintig jaar.
Ik zei toen: nee
En daarna ging ik weg.

Dat was het.

Interviewer: Dank u.
"""


def test_name_colon_turns_with_intro_and_continuation():
    transcript = read("Interview 3.txt", INTERVIEW.encode())
    assert transcript.name == "Interview 3"
    assert transcript.source_format == "txt"
    assert turns_of(transcript) == [
        (None, "Interview met bewoner, 12 maart", None),
        ("Interviewer", "Hoe lang woont u hier al?", None),
        ("Respondent", "Twintig jaar.\nIk zei toen: nee\nEn daarna ging ik weg.\n\nDat was het.",
         None),
        ("Interviewer", "Dank u.", None)]
    assert transcript.warnings == ["1 regel zonder spreker"]
    assert transcript.render()[0] == (
        "Interview met bewoner, 12 maart\n\nInterviewer: Hoe lang woont u hier al?\n\n"
        "Respondent: Twintig jaar.\nIk zei toen: nee\nEn daarna ging ik weg.\n\nDat was het.\n\n"
        "Interviewer: Dank u.")


def test_sentence_with_a_colon_is_never_a_speaker_even_when_repeated():
    text = "Jan: Eerst dit.\nIk zei toen: nee\nJan: En toen?\nIk zei toen: nee\n"
    assert turns_of(split_turns(text)[0]) == [("Jan", "Eerst dit.\nIk zei toen: nee", None),
                                              ("Jan", "En toen?\nIk zei toen: nee", None)]
    assert turns_of(split_turns(text, "naam")[0]) == turns_of(split_turns(text)[0])


def test_known_label_forms_count_even_once():
    text = ("INT: Welkom.\nR1: Dank.\nDeelnemer 3: Hallo.\nI: Vraag.\nR: Antwoord.\n"
            "Gespreksleider: Tijd.\nP12: Ja.\nModerator: Klaar.\n")
    assert turns_of(split_turns(text)[0]) == [
        ("INT", "Welkom.", None), ("R1", "Dank.", None), ("Deelnemer 3", "Hallo.", None),
        ("I", "Vraag.", None), ("R", "Antwoord.", None), ("Gespreksleider", "Tijd.", None),
        ("P12", "Ja.", None), ("Moderator", "Klaar.", None)]


def test_names_of_several_words_count_when_they_occur_twice():
    text = ("Fatima El Amrani: Ik begin.\nMevr. de Vries: Goed.\nJean-Pierre 't Hooft: Ook goed.\n"
            "Fatima El Amrani: Verder.\nMevr. de Vries: Prima.\nJean-Pierre 't Hooft: Ja.\n"
            "Datum: 12 maart\n")
    turns, warnings = split_turns(text)
    assert turns_of(turns) == [
        ("Fatima El Amrani", "Ik begin.", None), ("Mevr. de Vries", "Goed.", None),
        ("Jean-Pierre 't Hooft", "Ook goed.", None), ("Fatima El Amrani", "Verder.", None),
        ("Mevr. de Vries", "Prima.", None), ("Jean-Pierre 't Hooft", "Ja.\nDatum: 12 maart", None)]
    assert warnings == ["Niet als spreker gezien omdat ze maar één keer voorkomen: 'Datum'. "
                        "Kies zelf een patroon als dat wel sprekers zijn."]


def test_times_and_urls_are_not_labels():
    text = ("10:30 begonnen we.\nOm 10:30: koffie\nJan: Kijk op https://example.org\n"
            "https://example.org/a\nhttps://example.org/b\nJan: Tot 11:00.\n")
    assert turns_of(split_turns(text)[0]) == [
        (None, "10:30 begonnen we.\nOm 10:30: koffie", None),
        ("Jan", "Kijk op https://example.org\nhttps://example.org/a\nhttps://example.org/b", None),
        ("Jan", "Tot 11:00.", None)]


@pytest.mark.parametrize("first, second, time_one, time_two", [
    ("[00:01:23] Jan: Hoi", "[00:01:30] Piet: Hallo", 83.0, 90.0),
    ("(00:01:23) Jan: Hoi", "(01:02:03) Piet: Hallo", 83.0, 3723.0),
    ("00:01:23 Jan: Hoi", "00:01:30 Piet: Hallo", 83.0, 90.0),
    ("01:23 Jan: Hoi", "01:30 Piet: Hallo", 83.0, 90.0),
    ("[01:23.45] Jan: Hoi", "[01:30,5] Piet: Hallo", 83.45, 90.5),
    ("Jan [00:01:23]: Hoi", "Piet (00:01:30): Hallo", 83.0, 90.0),
    ("Jan 00:01:23: Hoi", "Piet 00:01:30: Hallo", 83.0, 90.0),
])
def test_timestamps_before_or_after_the_label(first, second, time_one, time_two):
    text = f"{first}\n{second}\n{first}\n{second}\n"
    assert turns_of(split_turns(text)[0]) == [("Jan", "Hoi", time_one), ("Piet", "Hallo", time_two),
                                              ("Jan", "Hoi", time_one), ("Piet", "Hallo", time_two)]


def test_bracket_labels():
    text = "[Jan] Hoi\n[Piet]: Hallo\nnog een regel\n[Jan] Ja\n[Piet]:Nee\n[00:00:05] [Jan] Klaar\n"
    assert turns_of(split_turns(text)[0]) == [
        ("Jan", "Hoi", None), ("Piet", "Hallo\nnog een regel", None), ("Jan", "Ja", None),
        ("Piet", "Nee", None), ("Jan", "Klaar", 5.0)]
    assert turns_of(split_turns(text, "haakjes")[0]) == turns_of(split_turns(text)[0])


def test_time_then_name_with_text_on_the_next_line_amberscript():
    text = ("00:00:02 Spreker 1\nGoedemiddag.\nWelkom.\n\n00:00:09 Jan de Vries\nDank je.\n\n"
            "00:00:15 Spreker 1\nZullen we?\n[00:00:18] Jan de Vries\nJa.\n")
    assert turns_of(split_turns(text)[0]) == [
        ("Spreker 1", "Goedemiddag.\nWelkom.", 2.0), ("Jan de Vries", "Dank je.", 9.0),
        ("Spreker 1", "Zullen we?", 15.0), ("Jan de Vries", "Ja.", 18.0)]
    assert turns_of(split_turns(text, "tijd_naam")[0]) == turns_of(split_turns(text)[0])


def test_time_then_name_then_text_on_the_same_line():
    text = ("00:00:02 Interviewer Hoe gaat het?\n00:00:05 Respondent Goed.\n"
            "00:00:09 Karin zegt ook iets\n00:00:12 Karin nog meer\n")
    assert turns_of(split_turns(text)[0]) == [
        ("Interviewer", "Hoe gaat het?", 2.0), ("Respondent", "Goed.", 5.0),
        ("Karin", "zegt ook iets", 9.0), ("Karin", "nog meer", 12.0)]


def test_name_then_time_on_its_own_line():
    text = ("Interviewer 00:00:01\nHoe gaat het?\n\nMarieke [00:00:04]\nGoed.\nEcht.\n"
            "Marieke 00:01:00\nJa.\n")
    assert turns_of(split_turns(text)[0]) == [
        ("Interviewer", "Hoe gaat het?", 1.0), ("Marieke", "Goed.\nEcht.", 4.0),
        ("Marieke", "Ja.", 60.0)]
    assert turns_of(split_turns(text, "naam_tijd")[0]) == turns_of(split_turns(text)[0])


def test_no_speakers_gives_paragraphs_and_a_warning():
    text = "Eerste alinea\nloopt door.\n\n\nTweede alinea.\n"
    turns, warnings = split_turns(text)
    assert turns_of(turns) == [(None, "Eerste alinea\nloopt door.", None),
                               (None, "Tweede alinea.", None)]
    assert warnings == [NO_SPEAKERS]


def test_pattern_geen_ignores_labels():
    turns, warnings = split_turns("INT: Hallo\nR1: Hoi\n\nINT: Nog iets\n", "geen")
    assert turns_of(turns) == [(None, "INT: Hallo\nR1: Hoi", None), (None, "INT: Nog iets", None)]
    assert warnings == []


def test_chosen_pattern_takes_single_labels_and_codes_only_codes():
    text = "Piet: Hallo\nINT: Welkom\nFatima El Amrani: Dank\n"
    assert turns_of(split_turns(text, "naam")[0]) == [
        ("Piet", "Hallo", None), ("INT", "Welkom", None), ("Fatima El Amrani", "Dank", None)]
    assert turns_of(split_turns(text, "codes")[0]) == [
        ("Piet", "Hallo", None), ("INT", "Welkom\nFatima El Amrani: Dank", None)]
    turns, warnings = split_turns(text, "haakjes")
    assert turns_of(turns) == [(None, "Piet: Hallo\nINT: Welkom\nFatima El Amrani: Dank", None)]
    assert warnings == [NO_SPEAKERS_CHOSEN]


def test_custom_regular_expression_with_speaker_and_time():
    text = "Intro\n#12.5# SPREKER=Jan | Hallo\ndoorlopend\n#20# SPREKER=Piet | Hoi\n"
    pattern = r"#(?P<time>[\d.]+)# SPREKER=(?P<speaker>\w+) \|"
    transcript = read("eigen.txt", text.encode(), pattern)
    assert turns_of(transcript) == [(None, "Intro", None), ("Jan", "Hallo\ndoorlopend", 12.5),
                                    ("Piet", "Hoi", 20.0)]


def test_custom_regular_expression_classes_are_unicode_as_in_python():
    """The user's pattern runs on re2, whose \\w, \\d and \\s are ASCII; they are spelled out
    so that accented names match as they would with Python's re."""
    text = "Zoë Ünal: hallo\nJosé\u00a02: dag\nÅsa: hoi\n٣ Jan: nee\n"
    pattern = r"^(?P<speaker>[\w\u00c5]+(?:\s\d)?):"
    assert turns_of(split_turns(text, pattern)[0]) == [
        (None, "Zoë Ünal: hallo", None), ("José 2", "dag", None), ("Åsa", "hoi\n٣ Jan: nee", None)]
    alone = r"(?P<speaker>\w+(?: \d)?)\Z"       # \Z is re2's \z
    assert turns_of(split_turns("Zoë\nja hoor\nJosé 2\nnee hoor", alone)[0]) == [
        ("Zoë", "ja hoor", None), ("José 2", "nee hoor", None)]


def test_invalid_custom_regular_expressions_are_refused_in_dutch():
    assert refused("eigen.txt", b"Jan: hoi", r"(?P<speaker>[a-z") == (
        "Het eigen patroon voor 'eigen.txt' is geen geldige reguliere expressie "
        "(fout bij teken 13).")
    assert refused("eigen.txt", b"Jan: hoi", r"(\w+):") == (
        "Het eigen patroon voor 'eigen.txt' mist de groep (?P<speaker>...) die de spreker "
        "aanwijst.")
    with pytest.raises(TranscriptError):
        split_turns("Jan: hoi", "(?P<speaker>")


def test_labels_are_cleaned_and_near_duplicates_warned():
    text = ("INT:  Hallo\n  Int : Nog eens\nINT.: Derde\nMevr.  de   Vries: Ja\n"
            "Mevr. de Vries: Nee\n")
    turns, warnings = split_turns(text)
    assert turns_of(turns) == [("INT", "Hallo", None), ("Int", "Nog eens", None),
                               ("INT.", "Derde", None), ("Mevr. de Vries", "Ja", None),
                               ("Mevr. de Vries", "Nee", None)]
    assert warnings == ["Sprekers die alleen in hoofdletters of een punt verschillen: 'INT', "
                        "'Int', 'INT.'; voeg ze samen als het dezelfde persoon is."]


def test_html_and_script_are_kept_literally():
    text = "Jan: <script>alert('x')</script>\nJan: <b>vet</b> &amp; <a href='x'>link</a>\n"
    transcript = read("html.txt", text.encode())
    assert turns_of(transcript) == [("Jan", "<script>alert('x')</script>", None),
                                    ("Jan", "<b>vet</b> &amp; <a href='x'>link</a>", None)]


# -- plain text: encodings and refusals ------------------------------------------------------------

def test_windows_1252_is_detected_and_warned():
    transcript = read("oud.txt", "Jan: café € “citaat”\nJan: naïef\n".encode("cp1252"))
    assert turns_of(transcript) == [("Jan", "café € “citaat”", None),
                                    ("Jan", "naïef", None)]
    assert transcript.warnings == ["Het bestand is geen UTF-8 en is gelezen als Windows-1252; "
                                   "controleer letters met accenten."]


def test_utf8_bom_crlf_and_cr_line_ends():
    data = b"\xef\xbb\xbf" + "Jan: café\r\nmeer\r\n\r\nPiet: ja\rJan: nee\r\nPiet: oké".encode()
    transcript = read("bom.txt", data)
    assert turns_of(transcript) == [("Jan", "café\nmeer", None), ("Piet", "ja", None),
                                    ("Jan", "nee", None), ("Piet", "oké", None)]
    assert transcript.warnings == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding):
    text = "Jan: één\r\nPiet: twee\r\nJan: drie\r\nPiet: vier"
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    transcript = read("unicode.txt", bom + text.encode(encoding))
    assert turns_of(transcript) == [("Jan", "één", None), ("Piet", "twee", None),
                                    ("Jan", "drie", None), ("Piet", "vier", None)]


def test_emoji_right_to_left_and_combining_marks_are_kept():
    rtl = "مرحبا بكم في الحي"
    combining = "cafe\u0301 n\u0303"
    text = (f"Jan: Top 👍🏽 🇳🇱\nFatima: {rtl}\nJan: {combining}\n"
            "Fatima: \u200fשלום\u200e\n")
    assert turns_of(read("divers.txt", text.encode())) == [
        ("Jan", "Top 👍🏽 🇳🇱", None), ("Fatima", rtl, None), ("Jan", combining, None),
        ("Fatima", "\u200fשלום\u200e", None)]


def test_control_characters_are_removed_with_a_warning():
    data = "INT: Dit is a\x07b\x1bc\tdef\x0cR1: ja, een pagina verder\x0bnieuwe regel\x01"
    transcript = read("stuur.txt", data.encode())
    assert turns_of(transcript) == [("INT", "Dit is abc\tdef", None),
                                    ("R1", "ja, een pagina verder\nnieuwe regel", None)]
    assert transcript.warnings == ["3 onzichtbare stuurtekens verwijderd"]


def test_binary_files_are_refused():
    assert refused("foto.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == (
        "Het bestand 'foto.txt' lijkt geen tekstbestand; kies een transcript als .txt, .docx, "
        ".vtt, .srt of .md.")
    refused("stuur.txt", bytes(range(1, 32)) * 50)
    refused("data.md", os.urandom(64).replace(b"\x00", b"") + b"\x00")


def test_empty_and_blank_files_are_refused():
    assert refused("leeg.txt", b"") == "Het bestand 'leeg.txt' is leeg."
    assert refused("wit.txt", b" \r\n\t\n") == "Het bestand 'wit.txt' is leeg."
    assert refused("wit.vtt", b"WEBVTT\n\n") == "Het bestand 'wit.vtt' is leeg."


def test_too_large_files_are_refused():
    assert refused("groot.txt", bytes(MAX_BYTES + 1)) == (
        "Het bestand 'groot.txt' is 20,1 MB; de grens is 20 MB.")


def test_unsupported_extensions_are_refused_and_extensions_ignore_case():
    assert refused("verslag.pdf", b"%PDF-1.4") == (
        "Het bestand 'verslag.pdf' wordt niet ondersteund; kies .txt, .docx, .vtt, .srt of .md.")
    refused("oud.doc", b"abc")
    refused("zonder_extensie", b"abc")
    transcript = read("C:\\map\\INTERVIEW.TXT", b"INT: Hallo")
    assert (transcript.name, transcript.source_format) == ("INTERVIEW", "txt")


# -- markdown --------------------------------------------------------------------------------------

def test_markdown_bold_labels_and_headings():
    text = ("# Focusgroep Noord\n\n## Ronde 1 ##\n**Jan:** Hallo *allemaal*.\n"
            "**Fatima El Amrani**: Hoi.\nnog een regel\n\n## Ronde 2\n**Jan:** Tot slot.\n"
            "#hashtag\n")
    transcript = read("groep.md", text.encode())
    assert transcript.source_format == "md"
    assert turns_of(transcript) == [
        (None, "Focusgroep Noord", None), (None, "Ronde 1", None),
        ("Jan", "Hallo *allemaal*.", None), ("Fatima El Amrani", "Hoi.\nnog een regel", None),
        (None, "Ronde 2", None), ("Jan", "Tot slot.\n#hashtag", None)]
    assert transcript.warnings == []


# -- Word ------------------------------------------------------------------------------------------

def test_docx_bold_labels_plain_labels_and_tables_in_document_order():
    def build(document):
        document.add_paragraph("Focusgroep wijk Noord")
        paragraph = document.add_paragraph()
        paragraph.add_run("Interviewer:").bold = True
        paragraph.add_run(" Welkom allemaal.")
        paragraph = document.add_paragraph()
        paragraph.add_run("Karin", style="Strong")       # bold through a character style
        paragraph.add_run(": Dank je.")
        document.add_paragraph("Tweede alinea van Karin.")
        table = document.add_table(rows=3, cols=3)
        for row, cells in zip(table.rows, [("Tijd", "Spreker", "Tekst"),
                                           ("00:05:00", "Karin", "In de tabel."),
                                           ("", "", "Vervolg zonder spreker.")], strict=True):
            for cell, value in zip(row.cells, cells, strict=True):
                cell.text = value
        document.add_paragraph("R1: Eigen regel met label")
        table = document.add_table(rows=2, cols=2)
        for row, cells in zip(table.rows, [("Datum", "12 maart"), ("Plaats", "Buurthuis")],
                              strict=True):
            for cell, value in zip(row.cells, cells, strict=True):
                cell.text = value
        paragraph = document.add_paragraph()
        paragraph.add_run("[00:07:10] Jan:").bold = True
        paragraph.add_run(" Slot.")

    transcript = read("Groep.docx", make_docx(build))
    assert transcript.source_format == "docx"
    assert turns_of(transcript) == [
        (None, "Focusgroep wijk Noord", None),
        ("Interviewer", "Welkom allemaal.", None),
        ("Karin", "Dank je.\nTweede alinea van Karin.", None),
        ("Karin", "In de tabel.\nVervolg zonder spreker.", 300.0),
        ("R1", "Eigen regel met label\nDatum\n12 maart\nPlaats\nBuurthuis", None),
        ("Jan", "Slot.", 430.0)]
    assert transcript.warnings == ["1 regel zonder spreker"]


def test_docx_two_column_table_and_pattern_geen():
    def build(document):
        table = document.add_table(rows=3, cols=2)
        for row, cells in zip(table.rows, [("Spreker", "Tekst"), ("Jan", "Hallo"),
                                           ("Piet", "Hoi\nmet een tweede regel")], strict=True):
            for cell, value in zip(row.cells, cells, strict=True):
                cell.text = value
        document.add_paragraph("Slotwoord.")

    data = make_docx(build)
    assert turns_of(read("tabel.docx", data)) == [
        ("Jan", "Hallo", None), ("Piet", "Hoi\nmet een tweede regel\nSlotwoord.", None)]
    assert turns_of(read("tabel.docx", data, "geen")) == [
        (None, "Jan\tHallo", None),
        (None, "Piet\tHoi\nmet een tweede regel", None), (None, "Slotwoord.", None)]


def test_docx_without_speakers_gives_one_turn_per_paragraph():
    def build(document):
        document.add_paragraph("Eerste alinea.")
        document.add_paragraph("")
        document.add_paragraph("Tweede alinea.")

    transcript = read("notities.docx", make_docx(build))
    assert turns_of(transcript) == [(None, "Eerste alinea.", None), (None, "Tweede alinea.", None)]
    assert transcript.warnings == [NO_SPEAKERS]


def test_docx_runs_read_as_python_docx_reads_them():
    """Paragraph text is read straight from the XML (python-docx's XPath per run made a long
    document slow); tabs, breaks, hyphens and hyperlinks come out as python-docx gives them."""
    from docx.enum.text import WD_BREAK
    from docx.oxml import parse_xml

    def build(document):
        paragraph = document.add_paragraph()
        paragraph.add_run("Jan:").bold = True
        run = paragraph.add_run(" een\ttab")
        run.add_break()                                  # a line break: a new line
        run.add_text("na de breuk")
        run.add_break(WD_BREAK.PAGE)                     # a page break: nothing
        run.add_text("pagina")
        namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        paragraph._p.append(parse_xml(
            f'<w:r {namespace}><w:t xml:space="preserve"> non</w:t><w:noBreakHyphen/>'
            '<w:t>stop</w:t><w:cr/><w:t>zacht</w:t><w:ptab w:relativeTo="margin" '
            'w:alignment="left" w:leader="none"/><w:t>eind</w:t></w:r>'))
        paragraph._p.append(parse_xml(
            f'<w:hyperlink {namespace}><w:r><w:t> link</w:t></w:r></w:hyperlink>'))
        document.add_paragraph("Piet: ook")

    data = make_docx(build)
    assert [p.text for p in docx.Document(io.BytesIO(data)).paragraphs][0] == (
        "Jan: een\ttab\nna de breukpagina non-stop\nzacht\teind link")
    assert turns_of(read("runs.docx", data, "naam")) == [
        ("Jan", "een\ttab\nna de breukpagina non-stop\nzacht\teind link", None),
        ("Piet", "ook", None)]


def test_more_lines_than_a_transcript_are_refused(monkeypatch):
    monkeypatch.setattr(transcripts, "MAX_LINES", 3)
    four = "Jan: een\nPiet: twee\nJan: drie\nPiet: vier"
    assert turns_of(read("drie.txt", four.rsplit("\n", 1)[0].encode(), "naam")) == [
        ("Jan", "een", None), ("Piet", "twee", None), ("Jan", "drie", None)]
    message = ("Het bestand 'vier.{}' heeft meer dan 3 regels of alinea's; dat is meer dan een "
               "transcript. Splits het in kleinere delen.")
    assert refused("vier.txt", four.encode()) == message.format("txt")
    assert refused("vier.md", four.encode()) == message.format("md")
    assert refused("vier.docx", make_docx(
        lambda document: [document.add_paragraph(line) for line in four.split("\n")])) == (
        message.format("docx"))
    cues = "".join(f"{n}\n00:00:0{n},000 --> 00:00:0{n},500\n{line}\n\n"
                   for n, line in enumerate(four.split("\n"), 1))
    assert refused("vier.srt", cues.encode()) == message.format("srt")
    assert refused("vier.vtt", ("WEBVTT\n\n" + cues.replace(",", ".")).encode()) == (
        message.format("vtt"))
    with pytest.raises(TranscriptError, match="^De tekst heeft meer dan 3 regels"):
        split_turns(four)


def test_docx_that_is_not_a_zip_or_not_word_is_refused():
    assert refused("nep.docx", os.urandom(2000)) == (
        "Het bestand 'nep.docx' is geen geldig Word-bestand (.docx).")
    assert refused("nep.docx", make_zip({"xl/workbook.xml": b"<x/>"})) == (
        "Het bestand 'nep.docx' is geen geldig Word-bestand (.docx).")
    assert refused("kapot.docx", make_zip({"word/document.xml": b"<niet af"})) == (
        "Het bestand 'kapot.docx' kan niet worden gelezen als Word-bestand; sla het opnieuw op "
        "als .docx.")


def test_docx_zip_bombs_are_refused_before_opening(monkeypatch):
    monkeypatch.setattr(untrusted, "RATIO_CHECK_BYTES", 10_000)
    bomb = make_zip({"word/document.xml": b"<w/>", "word/media/x.xml": b"a" * 2_000_000})
    assert refused("bom.docx", bomb) == (
        "Het bestand 'bom.docx' bevat een onderdeel dat verdacht sterk is ingepakt (mogelijk "
        "een zip-bom) en wordt niet geopend.")
    many = make_zip({"word/document.xml": b"<w/>",
                     **{f"word/media/{n}.xml": b"a" * 8_000 for n in range(200)}})
    assert refused("veel.docx", many) == (
        "Het bestand 'veel.docx' bevat onderdelen die verdacht sterk zijn ingepakt (mogelijk "
        "een zip-bom) en wordt niet geopend.")
    monkeypatch.setattr(untrusted, "RATIO_CHECK_BYTES", 10 * 1024 * 1024)
    monkeypatch.setattr(transcripts, "DOCX_MAX_TOTAL_BYTES", 1_000_000)
    assert refused("bom.docx", bomb) == (
        "Het bestand 'bom.docx' is uitgepakt groter dan 0 MB en wordt niet geopend.")


# -- subtitles -------------------------------------------------------------------------------------

TEAMS_VTT = """WEBVTT
Kind: captions

NOTE gemaakt door Teams
nog een regel

STYLE
::cue { color: yellow }

a1b2c3/12-0
00:00:01.000 --> 00:00:04.000
<v Jan de Vries>Goedemorgen <i>allemaal</i>.</v>

a1b2c3/13-0
00:00:04.500 --> 00:00:06.000 align:start
<v Jan de Vries>Welkom &amp; fijn<00:00:05.000> dat <c.yellow>jullie</c>
er zijn.

a1b2c3/14-0
00:01:02.500 --> 00:01:05.000
<v Fatima El Amrani>Dank je. <script>x</script>

00:01:06.000 --> 00:01:08.000
<v Jan de Vries>Zullen we?</v>
"""


def test_teams_vtt_voices_and_consecutive_cues_merged():
    transcript = read("teams.vtt", TEAMS_VTT.encode("utf-8-sig"))
    assert transcript.source_format == "vtt"
    assert turns_of(transcript) == [
        ("Jan de Vries", "Goedemorgen allemaal. Welkom & fijn dat jullie er zijn.", 1.0),
        ("Fatima El Amrani", "Dank je. <script>x</script>", 62.5),
        ("Jan de Vries", "Zullen we?", 66.0)]
    assert transcript.warnings == []


def test_zoom_vtt_name_colon_text():
    text = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nJan de Vries: Hallo allemaal\n\n"
            "2\n00:00:03.500 --> 00:00:05.000\nJan de Vries: Zijn we compleet?\n\n"
            "3\n01:00:06.000 --> 01:00:08.000\nPiet (gemeente): Ja hoor, om 10:30.\n\n"
            "4\n01:00:09.000 --> 01:00:10.000\nPiet (gemeente): Ik zei: prima\n\n"
            "5\n01:00:11.000 --> 01:00:12.000\nIk zei toen: nee\n")
    assert turns_of(read("zoom.vtt", text.encode())) == [
        ("Jan de Vries", "Hallo allemaal Zijn we compleet?", 1.0),
        ("Piet (gemeente)", "Ja hoor, om 10:30. Ik zei: prima", 3606.0),
        (None, "Ik zei toen: nee", 3611.0)]


def test_vtt_without_speakers_and_without_header():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nEen\n\n00:00:03.000 --> 00:00:04.000\nTwee\n"
    transcript = read("ondertitels.vtt", text.encode())
    assert turns_of(transcript) == [(None, "Een Twee", 1.0)]
    assert transcript.warnings == ["Geen sprekers herkend in de ondertitels; alle tekst staat "
                                   "zonder spreker."]
    assert refused("geen.vtt", b"00:00:01.000 --> 00:00:02.000\nEen\n") == (
        "Het bestand 'geen.vtt' is geen geldig WebVTT-bestand: de eerste regel moet met WEBVTT "
        "beginnen.")


SRT = """1
00:00:01,000 --> 00:00:02,500
Jan: Hallo

2
00:00:03,000 --> 00:00:04,000
- nog iets
- <i>en dit</i>

3
00:00:05,000 --> 00:00:06,000
[Piet] Ja
- echt

4
00:00:07,000 --> 00:00:08,000
[Piet] Nee

5
01:00:09,000 --> 01:00:10,000
Jan: {\\an8}<b>Oké</b>
"""


def test_srt_labels_dialogue_marks_and_merging():
    transcript = read("film.srt", SRT.replace("\n", "\r\n").encode())
    assert turns_of(transcript) == [("Jan", "Hallo", 1.0), (None, "nog iets en dit", 3.0),
                                    ("Piet", "Ja echt Nee", 5.0), ("Jan", "Oké", 3609.0)]
    assert transcript.warnings == []
    assert refused("film.srt", b"Gewoon tekst zonder tijden") == (
        "Het bestand 'film.srt' is geen geldig SRT-bestand: er staan geen tijdregels "
        "(00:00:01,000 --> 00:00:02,000) in.")


# -- speed -----------------------------------------------------------------------------------------

def test_long_transcript_keeps_every_word():
    lines = [f"{'Interviewer' if i % 2 else 'Respondent'}: " + "woord " * 24 + "einde"
             for i in range(1000)]
    transcript = read("lang.txt", "\n".join(lines).encode())
    assert len(transcript.turns) == 1000
    assert transcript.word_count() == 25_000


# -- Teams, Zoom and generic labels (issue 17) -------------------------------------------------

def paragraphs(lines: list[str]) -> bytes:
    """A .docx with one paragraph per line, as Teams writes its transcripts."""
    def build(document):
        for line in lines:
            document.add_paragraph(line)
    return make_docx(build)


def test_teams_older_word_layout_is_read_and_its_blocks_merged():
    """'0:0:3.120 --> 0:0:6.520', the speaker's name, then the text: one block per few
    seconds, consecutive blocks of one speaker one turn."""
    data = paragraphs(["0:0:3.120 --> 0:0:6.520", "Anne Jansen", "Goedemorgen allemaal.",
                       "", "0:0:6.520 --> 0:0:9.100", "Anne Jansen", "Zullen we beginnen?",
                       "0:0:9.500 --> 0:0:12.0", "Bart de Boer", "Ja, graag.",
                       "Met koffie.", "0:1:2.250 --> 0:1:5.0", "Anne Jansen", "Mooi."])
    transcript = read("Teams-overleg.docx", data)
    assert turns_of(transcript) == [
        ("Anne Jansen", "Goedemorgen allemaal. Zullen we beginnen?", 3.12),
        ("Bart de Boer", "Ja, graag.\nMet koffie.", 9.5), ("Anne Jansen", "Mooi.", 62.25)]
    assert transcript.warnings == []
    # Chosen by hand, and in a text file, it reads the same.
    text = "0:0:3.120 --> 0:0:6.520\nAnne Jansen\nHallo.\n0:0:7.0 --> 0:0:8.0\nBart\nHoi.\n"
    assert turns_of(split_turns(text, "teams")[0]) == [("Anne Jansen", "Hallo.", 3.12),
                                                       ("Bart", "Hoi.", 7.0)]


def test_teams_newer_word_layout_merges_blocks():
    data = paragraphs(["Anne Jansen   0:03", "Goedemorgen allemaal.", "Anne Jansen   0:06",
                       "Zullen we beginnen?", "Bart de Boer   0:09", "Ja.",
                       "Bart de Boer   0:11", "Graag."])
    assert turns_of(read("Teams.docx", data)) == [
        ("Anne Jansen", "Goedemorgen allemaal. Zullen we beginnen?", 3.0),
        ("Bart de Boer", "Ja. Graag.", 9.0)]


def test_zoom_text_transcript_merges_blocks_and_believes_a_single_speaker():
    text = ("[Anne Jansen] 10:02:15\nGoedemorgen allemaal.\n[Anne Jansen] 10:02:18\n"
            "Zullen we beginnen?\n[Bart de Boer] 10:02:21\nJa.\n")
    transcript = read("zoom.txt", text.encode("utf-8"))
    assert turns_of(transcript) == [
        ("Anne Jansen", "Goedemorgen allemaal. Zullen we beginnen?", 36135.0),
        ("Bart de Boer", "Ja.", 36141.0)]
    assert transcript.warnings == []


def test_generic_labels_name_a_role_not_a_person():
    generic = ["Respondent", "R", "R1", "Interviewer", "INT", "Deelnemer A", "Moderator",
               "Spreker 1", "Speaker 2", "resp.", "Geïnterviewde", "Onbekende spreker"]
    personal = ["Fatima", "Anne Jansen", "[Deelnemer 1]", "Jan", "Mevr. Bakker", "", None]
    assert [transcripts.is_generic_label(label) for label in generic] == [True] * len(generic)
    assert [transcripts.is_generic_label(label) for label in personal] == [False] * len(
        personal)
