"""Hostile files for the importers.

The small ones are committed next to this module; `python tests/hostile/generate.py` rebuilds
them (zips with fixed dates, so a rebuild changes nothing). The big ones (50 MB and more, or
thousands of codes) are made at test time in tmp_path by the `big_*` functions; nothing over
about 200 KB is committed. Zip bombs stay small because a member of zeros compresses about
1000:1: 11 MB of zeros is 11 KB, enough to cross the ratio limits of the importers.

Everything here is plain construction; the expectations live in tests/test_hostile.py.
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

FIXED_DATE = (2024, 1, 1, 0, 0, 0)
MB = 1024 * 1024

# -- texts the "correct import" cases carry ---------------------------------------------------

SCRIPT = "<script>alert('xss')</script>"
HTML_TRANSCRIPT = (f"Interviewer: {SCRIPT} Hoe gaat het?\n"
                   "Respondent: <b>Goed</b> & <img src=x onerror=alert(1)> &amp; &lt;i&gt;\n")
RTL_TRANSCRIPT = ("Interviewer: مرحبا، كيف حالك؟ 👩\u200d👩\u200d👧\n"
                  "Respondent: שלום \u202eabc\u202c Cafe\u0301 🇳🇱 \u200f\n")
CONTROL_TRANSCRIPT = ("Interviewer: a\x01b\x07c\x1bd\x7fe\x85f\x9fg\n"
                      "Respondent: tab\there\x0bverticaal\x0cpagina\n")
VTT_TRANSCRIPT = ("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Interviewer>" + SCRIPT
                  + " Hallo &amp; welkom\n\n00:02.000 --> 00:04.000\n"
                  "<v Respondent><b>Dag</b> 👋 مرحبا\n")
SRT_TRANSCRIPT = ("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: <i>Hoi</i> " + SCRIPT + "\n\n"
                  "2\n00:00:02,000 --> 00:00:03,000\nRespondent: <font color=red>Dag</font> 🇳🇱 "
                  "שלום\n")
MD_TRANSCRIPT = ("# Kop " + SCRIPT + "\n\n**Interviewer:** <em>hoi</em> 😀\n\n"
                 "**Respondent:** שלום \u202eabc\n")
DOCX_PARAGRAPHS = [f"Interviewer: {SCRIPT} Hoe gaat het? 😀", "Respondent: <b>Goed</b> مرحبا"]

# The REFI project that carries HTML, RTL, emoji and control characters everywhere.
REFI_TEXT = (f"Interviewer: {SCRIPT} Hoe gaat het?\r\n\r\nRespondent: Goed 👩\u200d👩\u200d👧 "
             "مرحبا \u202eabc\u202c e\u0301\x01\x7f.\r\n")
REFI_CODED = "Goed 👩\u200d👩\u200d👧 مرحبا"
REFI_CODE = "<b>Code</b> " + SCRIPT
REFI_DESCRIPTION = "<img src=x onerror=alert(1)> beschrijving \u202eabc"
REFI_NOTE = "<script>memo()</script> 😀"

# Survey answers that must come back as the same text.
OPEN_ANSWERS = [SCRIPT, "=cmd|' /C calc'!A0", "مرحبا 👩\u200d👩\u200d👧 \u202eabc", "e\u0301 & <b>"]

GUID = "00000000-0000-4000-8000-{:012d}".format
USER, CODE, SOURCE, SELECTION, CODING, NOTE = (GUID(n) for n in (1, 2, 3, 4, 5, 6))


# -- zips -----------------------------------------------------------------------------------------

def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of the members in order, with fixed dates (the same input gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def replaced(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The zip with members replaced, added, or (value None) removed."""
    members = zip_members(data)
    for name, content in changes.items():
        if content is None:
            members.pop(name, None)
        else:
            members[name] = content
    return zip_bytes(members)


def lying_size(data: bytes, member: str, declared: int = 100) -> bytes:
    """The zip with `member`'s uncompressed size declared as `declared` in both headers, so
    that it inflates to far more than it says."""
    patched = bytearray(data)
    name = member.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        for match in re.finditer(re.escape(signature), bytes(patched)):
            start = match.start()
            if bytes(patched[start + name_at:start + name_at + len(name)]) == name:
                patched[start + size_at:start + size_at + 4] = struct.pack("<I", declared)
    return bytes(patched)


def encrypted_flag(data: bytes) -> bytes:
    """The zip with every member marked encrypted (general purpose flag bit 0)."""
    patched = bytearray(data)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for match in re.finditer(re.escape(signature), bytes(patched)):
            patched[match.start() + flag_at] |= 1
    return bytes(patched)


def zeros_member(size: int) -> bytes:
    return b"\0" * size


# -- XML with a DTD -----------------------------------------------------------------------------

def doctypes(root: str, file_url: str = "file:///etc/passwd",
             http_url: str = "http://127.0.0.1:1/evil.dtd") -> dict[str, tuple[str, str]]:
    """(DOCTYPE, entity reference to put in the content) per attack."""
    laughs = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return {
        "xxe": (f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{file_url}">]>', "&xxe;"),
        "billion-laughs": (f"<!DOCTYPE {root} [{laughs}]>", "&lol9;"),
        "parameter-entity": (f'<!DOCTYPE {root} [<!ENTITY % remote SYSTEM "{http_url}"> '
                             "%remote;]>", ""),
        "external-dtd": (f'<!DOCTYPE {root} SYSTEM "{http_url}">', ""),
    }


def with_doctype(xml: bytes, doctype: str) -> bytes:
    """The XML with the DOCTYPE placed after its declaration (or first)."""
    text = xml.decode("utf-8")
    declaration = re.match(r"<\?xml[^>]*\?>", text)
    at = declaration.end() if declaration else 0
    return (text[:at] + "\n" + doctype + "\n" + text[at:]).encode("utf-8")


# -- Word -----------------------------------------------------------------------------------------

def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return zip_bytes(zip_members(buffer.getvalue()))


def docx_with_entity(attack: str, **urls) -> bytes:
    """A .docx whose document.xml declares the attack's DTD and uses its entity in a turn."""
    base = docx_bytes(["Interviewer: hallo", "Respondent: MARKER"])
    doctype, reference = doctypes("w:document", **urls)[attack]
    xml = zip_members(base)["word/document.xml"].replace(b"MARKER", reference.encode() or b"x")
    return replaced(base, {"word/document.xml": with_doctype(xml, doctype)})


# -- Excel, SPSS, CSV ---------------------------------------------------------------------------

def xlsx_bytes(rows: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    members = zip_members(buffer.getvalue())
    # openpyxl stamps the current time into the properties: fix it for a stable file.
    members["docProps/core.xml"] = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                          b"2024-01-01T00:00:00Z", members["docProps/core.xml"])
    return zip_bytes(members)


WAVE_ROWS = [["gemeentecode", "tevreden", "toelichting"]] + [
    [f"G{i % 4 + 1}", i % 2 + 1, answer] for i, answer in enumerate(OPEN_ANSWERS)]


def xlsx_with_entity(attack: str, part: str = "xl/worksheets/sheet1.xml", **urls) -> bytes:
    base = xlsx_bytes(WAVE_ROWS)
    doctype, reference = doctypes("worksheet" if "sheet" in part else "workbook", **urls)[attack]
    xml = zip_members(base)[part]
    if reference and "sheet" in part:
        xml = xml.replace(b"<v>1</v>", f"<v>{reference}</v>".encode(), 1)
    return replaced(base, {part: with_doctype(xml, doctype)})


def sav_bytes(columns: dict[str, list], **options) -> bytes:
    import pandas as pd
    import pyreadstat

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "meting.sav")
        pyreadstat.write_sav(pd.DataFrame(columns), path, **options)
        data = bytearray(Path(path).read_bytes())
    # The header holds the creation date and time (offsets 92 and 101): fix them.
    data[92:109] = b"01 Jan 2401:00:00"
    return bytes(data)


WAVE_COLUMNS = {"gemeentecode": ["G1", "G2", "G3", "G4"], "tevreden": [1.0, 2.0, 1.0, 2.0],
                "toelichting": OPEN_ANSWERS}


WAVE_LABELS = {"tevreden": SCRIPT + " Tevreden?", "toelichting": "Toelichting \u202eabc 😀"}
WAVE_VALUE_LABELS = {"tevreden": {1.0: "<b>Ja</b>", 2.0: "نعم / לא"}}
HTML_HEADER = ["<b>tevreden</b>", "toelichting \u202eabc 😀"]


def csv_text(rows: list[list], delimiter: str = ";", newline: str = "\n") -> str:
    return newline.join(delimiter.join(str(cell) for cell in row) for row in rows) + newline


# -- REFI-QDA -----------------------------------------------------------------------------------

def qde_xml(*, name: str = "Vijandig project", text_length: int = 40, start: int = 0,
            end: int = 10, code_name: str = "Steun", description: str = "",
            source_name: str = "Interview", codes_xml: str | None = None,
            note: str | None = None, extra: str = "") -> bytes:
    """A small REFI project.qde: one user, one code, one text source with one coded
    selection, optionally a note on that selection."""
    code = (codes_xml if codes_xml is not None else
            f'<Code guid="{CODE}" name={quoteattr(code_name)} isCodable="true">'
            + (f"<Description>{escape(description)}</Description>" if description else "")
            + "</Code>")
    note_ref = f'<NoteRef targetGUID="{NOTE}"/>' if note is not None else ""
    notes = (f'<Notes><Note guid="{NOTE}" name="Memo {escape(SCRIPT)}">'
             f"<PlainTextContent>{escape(note)}</PlainTextContent></Note></Notes>"
             if note is not None else "")
    assert 0 <= start < end <= text_length
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name={quoteattr(name)} '
            f'origin="Vijandig corpus">'
            f'<Users><User guid="{USER}" name="olga"/></Users>'
            f"<CodeBook><Codes>{code}</Codes></CodeBook>"
            f"<Sources><TextSource guid=\"{SOURCE}\" name={quoteattr(source_name)} "
            f'plainTextPath="internal://{SOURCE}.txt">'
            f'<PlainTextSelection guid="{SELECTION}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{USER}">'
            f'<Coding guid="{CODING}" creatingUser="{USER}"><CodeRef targetGUID="{CODE}"/>'
            f"</Coding>{note_ref}</PlainTextSelection></TextSource></Sources>"
            f"{notes}{extra}</Project>\n").encode("utf-8")


PLAIN_TEXT = "Interviewer: Hoe gaat het?\n\nRespondent: Goed, dank je."


def qdpx_bytes(qde: bytes | None = None, text: bytes | None = None,
               extra: dict[str, bytes] | None = None) -> bytes:
    text = PLAIN_TEXT.encode() if text is None else text
    qde = qde_xml(text_length=len(text.decode("utf-8", "replace"))) if qde is None else qde
    return zip_bytes({"project.qde": qde, f"sources/{SOURCE}.txt": text, **(extra or {})})


def qdpx_with_entity(attack: str, **urls) -> bytes:
    doctype, reference = doctypes("Project", **urls)[attack]
    qde = qde_xml(text_length=len(PLAIN_TEXT)).replace(b'name="Steun"', b'name="S"')
    if reference:
        qde = qde.replace(b"<Users>", f"<Description>{reference}</Description><Users>".encode())
    return qdpx_bytes(with_doctype(qde, doctype))


def nested_codes(depth: int) -> str:
    opening = "".join(f'<Code guid="{GUID(1000 + level)}" name="Niveau {level}" '
                      'isCodable="true">' for level in range(depth))
    return opening.replace(GUID(1000), CODE, 1) + "</Code>" * depth


def qdc_xml(codes_xml: str | None = None, sets_xml: str = "") -> bytes:
    codes_xml = codes_xml if codes_xml is not None else (
        f'<Code guid="{CODE}" name={quoteattr(REFI_CODE)} isCodable="true" color="#ff0000">'
        f"<Description>{escape(REFI_DESCRIPTION)}</Description></Code>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Vijandig corpus">'
            f"<Codes>{codes_xml}</Codes>{sets_xml}</CodeBook>\n").encode("utf-8")


def qdc_with_entity(attack: str, **urls) -> bytes:
    doctype, reference = doctypes("CodeBook", **urls)[attack]
    codes = f'<Code guid="{CODE}" name="S" isCodable="true">' + (
        f"<Description>{reference}</Description>" if reference else "") + "</Code>"
    return with_doctype(qdc_xml(codes), doctype)


# -- big files, made at test time -------------------------------------------------------------

def big_text(path: Path, size: int, line: bytes = b"Interviewer: een lange zin.\n") -> Path:
    """A text file of at least `size` bytes made of `line` (a header may come first)."""
    with open(path, "wb") as handle:
        if path.suffix == ".vtt":
            handle.write(b"WEBVTT\n\n")
        handle.write(line * (size // len(line) + 1))
    return path


def big_docx(path: Path, size: int) -> Path:
    """A real .docx over `size` bytes: a document plus incompressible media, stored."""
    members = zip_members(docx_bytes(["Interviewer: hallo", "Respondent: dag"]))
    members["word/media/image1.bin"] = os.urandom(size)
    path.write_bytes(zip_bytes(members, zipfile.ZIP_STORED))
    return path


def many_paragraphs_docx(path: Path, count: int) -> Path:
    """A .docx of `count` one-line paragraphs (295,000 of them are 2 MB, and took python-docx's
    paragraph objects minutes to read)."""
    members = zip_members(docx_bytes(["Interviewer: hallo", "Respondent: dag"]))
    xml = members["word/document.xml"].decode()
    start, end = xml.index("<w:body>") + len("<w:body>"), xml.index("<w:sectPr")
    paragraphs = "".join(f"<w:p><w:r><w:t>Regel {n} van het verslag</w:t></w:r></w:p>"
                         for n in range(count))
    members["word/document.xml"] = (xml[:start] + paragraphs + xml[end:]).encode()
    path.write_bytes(zip_bytes(members))
    return path


def one_speaker_srt(path: Path, cues: int) -> Path:
    """Subtitles whose cues all belong to one speaker, so that they make one long turn (adding
    each cue to that turn's text copied it: quadratic)."""
    path.write_text("".join(f"{n}\n00:00:{n % 60:02d},000 --> 00:00:{n % 60:02d},500\n"
                            f"Jan: zin {n} van een lange toespraak\n\n"
                            for n in range(1, cues + 1)), encoding="utf-8")
    return path


def blank_lines_txt(path: Path, blank: int) -> Path:
    """Two speakers, then a label followed by `blank` empty lines and its text (dropping the
    leading blank lines one by one from a list was quadratic)."""
    path.write_text("Jan: hallo\nPiet: hoi\nPiet: ja\nJan:" + "\n" * blank + "eindelijk\n",
                    encoding="utf-8")
    return path


def big_qdpx(path: Path, size: int) -> Path:
    """A .qdpx whose one source is a text of `size` bytes (not compressible 100:1)."""
    import base64

    text = base64.encodebytes(os.urandom(size * 3 // 4 + 3))[:size]
    qde = qde_xml(text_length=len(text))
    path.write_bytes(zip_bytes({"project.qde": qde, f"sources/{SOURCE}.txt": text},
                               zipfile.ZIP_STORED))
    return path


def many_codes_qdpx(path: Path, count: int) -> Path:
    codes = f'<Code guid="{CODE}" name="Code 0" isCodable="true"/>' + "".join(
        f'<Code guid="{GUID(100000 + n)}" name="Code {n}" isCodable="true"/>'
        for n in range(1, count))
    path.write_bytes(qdpx_bytes(qde_xml(codes_xml=codes, text_length=len(PLAIN_TEXT))))
    return path


def big_qdc(path: Path, size: int) -> Path:
    """A well-formed .qdc of `size` bytes: one code with a huge description."""
    head, tail = qdc_xml(f'<Code guid="{CODE}" name="Groot" isCodable="true">'
                         "<Description>@@</Description></Code>").split(b"@@")
    with open(path, "wb") as handle:
        handle.write(head)
        handle.write(b"lang " * (size // 5 + 1))
        handle.write(tail)
    return path


def big_yaml(path: Path, codes: int) -> Path:
    path.write_text("codes:\n" + "".join(f"  - naam: Code {n}\n" for n in range(codes)),
                    encoding="utf-8")
    return path


def big_csv(path: Path, size: int) -> tuple[Path, int]:
    """A valid wave CSV of at least `size` bytes with long open answers; returns its rows."""
    words = "de het een buurt wijk huis straat fiets groen park school winkel tram".split()
    answer = " ".join(words[n % len(words)] for n in range(4000)) + " " + SCRIPT
    rows = size // (len(answer) + 10) + 1
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("gemeentecode;tevreden;toelichting\n")
        for n in range(rows):
            handle.write(f'G{n % 4 + 1};{n % 2 + 1};"{answer}"\n')
    return path, rows


def one_line_csv(fields: int) -> bytes:
    """A monitor wave (unit; answer; fpc) whose line ends are lost: every value on one line."""
    values = ["gemeentecode", "tevreden", "fpc"]
    values += [str(v) for n in range(fields // 3 - 1) for v in (f"G{n % 4 + 1}", n % 5 + 1, 400)]
    return ";".join(values).encode()


def single_line_csv(path: Path, size: int) -> Path:
    """`one_line_csv` of at least `size` bytes."""
    path.write_bytes(one_line_csv(size // 3 + 30))
    return path


def big_xlsx(path: Path, size: int) -> Path:
    """A valid workbook over `size` bytes: the small wave plus incompressible media, stored."""
    members = zip_members(xlsx_bytes(WAVE_ROWS))
    members["xl/media/image1.bin"] = os.urandom(size)
    path.write_bytes(zip_bytes(members, zipfile.ZIP_STORED))
    return path


def big_sav_garbage(path: Path, size: int) -> Path:
    """`size` bytes that start like an SPSS file and then are noise."""
    with open(path, "wb") as handle:
        handle.write(b"$FL2@(#) IBM SPSS STATISTICS" + b" " * 36)
        handle.write(os.urandom(size))
    return path


def sparse(path: Path, size: int) -> Path:
    """A file that claims `size` bytes without using the disk space (all zeros)."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def huge_field_questionnaire(path: Path, size: int = 200_000) -> Path:
    path.write_text("naam;label\ntevreden;" + "x" * size + "\n", encoding="utf-8")
    return path


# -- the committed corpus ---------------------------------------------------------------------

def corpus() -> dict[str, bytes]:
    """Every small hostile file by name."""
    files: dict[str, bytes] = {}
    docx_ok = docx_bytes(["Interviewer: hallo", "Respondent: dag"])

    # Transcripts (.txt .md .docx .vtt .srt)
    for extension in ("txt", "md", "vtt", "srt", "docx"):
        files[f"empty.{extension}"] = b""
    files["blank.txt"] = b" \n\t\n  \r\n"
    files["only-controls.txt"] = b"\x01\x02\x7f\n"
    files["utf16-le-bom.txt"] = HTML_TRANSCRIPT.encode("utf-16")
    files["utf16-be-bom.txt"] = b"\xfe\xff" + RTL_TRANSCRIPT.encode("utf-16-be")
    files["utf16-no-bom.txt"] = HTML_TRANSCRIPT.encode("utf-16-le")
    files["utf16-broken.txt"] = b"\xff\xfe" + "Interviewer: hoi".encode("utf-16-le") + b"\x00\xd8"
    files["utf32.txt"] = HTML_TRANSCRIPT.encode("utf-32")
    files["cp1252.txt"] = "Interviewer: Café, één ‘citaat’ €5\nRespondent: ja\n".encode("cp1252")
    files["pdf-as.txt"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\x00"
    files["docx-as.txt"] = docx_ok
    files["text-as.docx"] = HTML_TRANSCRIPT.encode()
    files["truncated.docx"] = docx_ok[:len(docx_ok) // 2]
    files["not-word.docx"] = zip_bytes({"hello.txt": b"Interviewer: hallo"})
    files["malformed.docx"] = replaced(docx_ok, {
        "word/document.xml": zip_members(docx_ok)["word/document.xml"][:-40]})
    files["lying-size.docx"] = lying_size(docx_ok, "word/document.xml")
    files["encrypted.docx"] = encrypted_flag(docx_ok)
    files["zipbomb.docx"] = replaced(docx_ok, {"word/media/bomb.bin": zeros_member(11 * MB)})
    files["zip-slip.docx"] = replaced(docx_ok, {"../../evil.txt": b"x"})
    files["absolute-path.docx"] = replaced(docx_ok, {"/etc/evil.txt": b"x"})
    for attack in ("xxe", "billion-laughs", "parameter-entity", "external-dtd"):
        files[f"{attack}.docx"] = docx_with_entity(attack)
    files["html.txt"] = HTML_TRANSCRIPT.encode()
    files["rtl-emoji.txt"] = RTL_TRANSCRIPT.encode()
    files["controls.txt"] = CONTROL_TRANSCRIPT.encode()
    files["crlf-cr.txt"] = b"Interviewer: een\r\ntwee\rRespondent: drie\r\n"
    files["html.vtt"] = VTT_TRANSCRIPT.encode()
    files["html.srt"] = SRT_TRANSCRIPT.encode()
    files["html.md"] = MD_TRANSCRIPT.encode()
    files["html.docx"] = docx_bytes(DOCX_PARAGRAPHS)
    files["no-header.vtt"] = b"00:00.000 --> 00:01.000\nInterviewer: hoi\n"
    files["srt-as.vtt"] = SRT_TRANSCRIPT.encode()
    files["no-timings.srt"] = b"Interviewer: hoi\nRespondent: dag\n"
    files["truncated.vtt"] = b"WEBVTT\n\n00:00.000 --> 00:0"
    files["truncated.srt"] = SRT_TRANSCRIPT.encode()[:60]
    files["transcript.pdf"] = b"%PDF-1.4\n"
    # Lines on which a nested repetition such as (a+)+$ backtracks exponentially (2^1000 steps).
    files["backtracking.txt"] = ("a" * 1000 + "b\n").encode() * 50 + b"aaa\nJan zegt hallo\n"

    # REFI projects (.qdpx)
    good = qdpx_bytes()
    files["empty.qdpx"] = b""
    files["text-as.qdpx"] = b"Dit is geen zip.\n"
    files["qdc-as.qdpx"] = qdc_xml()
    files["truncated.qdpx"] = good[:len(good) // 2]
    files["no-project.qdpx"] = zip_bytes({f"sources/{SOURCE}.txt": PLAIN_TEXT.encode()})
    files["malformed.qdpx"] = qdpx_bytes(qde_xml(text_length=len(PLAIN_TEXT))[:-30])
    files["zip-slip.qdpx"] = qdpx_bytes(extra={"../../evil.txt": b"x"})
    files["absolute-path.qdpx"] = qdpx_bytes(extra={"/etc/evil.txt": b"x"})
    files["windows-path.qdpx"] = qdpx_bytes(extra={"C:\\Windows\\evil.txt": b"x"})
    files["zipbomb.qdpx"] = qdpx_bytes(extra={"sources/bomb.txt": zeros_member(11 * MB)})
    files["lying-size.qdpx"] = lying_size(qdpx_bytes(text=PLAIN_TEXT.encode() + b" " * MB),
                                          f"sources/{SOURCE}.txt", len(PLAIN_TEXT))
    files["encrypted.qdpx"] = encrypted_flag(good)
    for attack in ("xxe", "billion-laughs", "parameter-entity", "external-dtd"):
        files[f"{attack}.qdpx"] = qdpx_with_entity(attack)
    files["utf16-source.qdpx"] = qdpx_bytes(text=PLAIN_TEXT.encode("utf-16"))
    files["cp1252-source.qdpx"] = qdpx_bytes(text="Interviewer: Café €5?\n\nRespondent: één."
                                             .encode("cp1252"))
    files["nul-in-source.qdpx"] = qdpx_bytes(text=b"Interviewer: hallo\x00daar, hoe gaat het?")
    files["deep-codes.qdpx"] = qdpx_bytes(qde_xml(codes_xml=nested_codes(101),
                                                  text_length=len(PLAIN_TEXT)))
    text = REFI_TEXT.encode()
    start = REFI_TEXT.index(REFI_CODED)
    files["html-rtl-controls.qdpx"] = qdpx_bytes(qde_xml(
        name=f"Project {SCRIPT}", text_length=len(REFI_TEXT), start=start,
        end=start + len(REFI_CODED), code_name=REFI_CODE, description=REFI_DESCRIPTION,
        source_name=f"Bron {SCRIPT}", note=REFI_NOTE), text)
    files["blank-names.qdpx"] = qdpx_bytes(qde_xml(
        name="   ", source_name=" \t ", text_length=len(PLAIN_TEXT), extra=(
            f'<Sets><Set guid="{GUID(7)}" name="  "><MemberCode targetGUID="{CODE}"/></Set>'
            f'<Set guid="{GUID(8)}" name="Dubbel"/><Set guid="{GUID(9)}" name="Dubbel"/>'
            "</Sets>")).replace(b"<Sources>", (
                f'<Variables><Variable guid="{GUID(10)}" name="  " typeOfVariable="Text"/>'
                "</Variables><Sources>").encode()))

    # REFI codebooks (.qdc)
    files["empty.qdc"] = b""
    files["binary.qdc"] = b"\x00\x01\x02PK\x03\x04" + b"\xff" * 32
    files["qdpx-as.qdc"] = good
    files["project-as.qdc"] = qde_xml(text_length=len(PLAIN_TEXT))
    files["malformed.qdc"] = qdc_xml()[:-20]
    files["deep-codes.qdc"] = qdc_xml(nested_codes(101))
    for attack in ("xxe", "billion-laughs", "parameter-entity", "external-dtd"):
        files[f"{attack}.qdc"] = qdc_with_entity(attack)
    files["html.qdc"] = qdc_xml(sets_xml=(
        f'<Sets><Set guid="{GUID(8)}" name="Dubbel"><MemberCode guid="{CODE}"/></Set>'
        f'<Set guid="{GUID(9)}" name="Dubbel"/><Set guid="{GUID(7)}" name=" "/></Sets>'))

    # YAML codebooks
    files["recursive.yaml"] = b"codes: &codes\n  - naam: Lus\n    subcodes: *codes\n"
    files["alias-bomb.yaml"] = (
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        b"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        b"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        b"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        b"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
        b"codes:\n  - naam: *i\n")
    files["alias-tree.yaml"] = (
        b"leaf: &l {naam: Blad}\nl1: &l1 {naam: N1, subcodes: [*l, *l, *l, *l, *l, *l, *l, *l]}\n"
        + b"".join(f"l{n}: &l{n} {{naam: N{n}, subcodes: [{', '.join([f'*l{n - 1}'] * 8)}]}}\n"
                   .encode() for n in range(2, 9))
        + b"codes: [*l8]\n")
    files["deep.yaml"] = b"codes: " + b"[" * 5000 + b"]" * 5000 + b"\n"
    files["python-tag.yaml"] = b"codes: !!python/object/apply:os.system ['echo gehackt']\n"
    files["wrong-types.yaml"] = b"codes:\n  - naam: Steun\n    subcodes: 5\n"
    files["not-utf8.yaml"] = "codes:\n  - naam: Café\n".encode("cp1252")
    files["empty.yaml"] = b""
    files["html.yaml"] = ("codes:\n  - naam: \"" + SCRIPT + "\"\n    definitie: \"<b>\\u202eabc"
                          " 😀</b>\"\n    subcodes:\n      - naam: \"Sub \\u0627\\u0644\"\n"
                          "codesets:\n  - naam: \"<i>set</i>\"\n    codes: [\"" + SCRIPT
                          + "\"]\n").encode()

    # Monitor waves (.csv .xlsx .sav), frames and questionnaires
    files["empty.csv"] = b""
    files["empty.sav"] = b""
    files["empty.xlsx"] = b""
    files["header-only.csv"] = b"gemeentecode;tevreden\n"
    # A wave whose line ends were lost: one line of 30,000 fields (pandas took minutes over
    # such a "header", and the message came from a later check).
    files["one-line.csv"] = one_line_csv(30_000)
    files["wide-header.csv"] = (";".join(f"v{n}" for n in range(20_001)) + "\n"
                                + ";".join("1" for _ in range(20_001)) + "\n").encode()
    sav = sav_bytes(WAVE_COLUMNS, column_labels=WAVE_LABELS,
                    variable_value_labels=WAVE_VALUE_LABELS)
    xlsx = xlsx_bytes(WAVE_ROWS)
    files["truncated.sav"] = sav[:len(sav) // 2]
    files["truncated.xlsx"] = xlsx[:len(xlsx) // 2]
    files["text-as.sav"] = b"gemeentecode;tevreden\nG1;1\n"
    files["sav-as.csv"] = sav
    files["pdf-as.xlsx"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    files["xls-ole.xlsx"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    files["zip-not-excel.xlsx"] = zip_bytes({"word/document.xml": b"<w/>"})
    header = ["gemeentecode", "tevreden", "toelichting"]
    rows = [header] + [[f"G{i % 4 + 1}", i % 2 + 1, a] for i, a in enumerate(OPEN_ANSWERS)]
    quoted = [header] + [[r[0], r[1], '"' + r[2].replace('"', '""') + '"'] for r in rows[1:]]
    files["html-rtl.csv"] = csv_text(quoted).encode()
    files["html-header.csv"] = csv_text([["gemeentecode", *HTML_HEADER]] + [
        [r[0], r[1], r[2]] for r in quoted[1:]]).encode()
    files["utf16-bom.csv"] = csv_text(quoted, "\t", "\r\n").encode("utf-16")
    files["utf32-bom.csv"] = csv_text(quoted).encode("utf-32")
    files["utf16-no-bom.csv"] = csv_text(quoted).encode("utf-16-le")
    files["cp1252.csv"] = csv_text([header, ["G1", 1, "Café €5 ‘ja’"], ["G2", 2, "één"]]
                                   ).encode("cp1252")
    files["cr-only.csv"] = csv_text(quoted, ";", "\r").encode()
    files["ragged.csv"] = b"gemeentecode;tevreden\nG1;1;2;3\nG2;2\n"
    files["unclosed-quote.csv"] = b'gemeentecode;toelichting\nG1;"open\nG2;dicht\n'
    files["nul.csv"] = b"gemeentecode;tevreden\nG1;\x001\n"
    files["duplicate-header.csv"] = b"gemeentecode;tevreden;tevreden\nG1;1;2\n"
    files["controls.csv"] = (csv_text([header] + [[f"G{i % 4 + 1}", 1, "gewoon antwoord"]
                                                  for i in range(20)])
                             + "G1;2;a\x01b\n").encode()
    files["html-rtl.xlsx"] = xlsx
    files["html-rtl.sav"] = sav
    files["huge-ncases.sav"] = sav[:80] + struct.pack("<i", 0x7FFFFFFF) + sav[84:]
    files["zipbomb.xlsx"] = replaced(xlsx, {"xl/media/bomb.bin": zeros_member(11 * MB)})
    files["zip-slip.xlsx"] = replaced(xlsx, {"../../evil.txt": b"x"})
    files["absolute-path.xlsx"] = replaced(xlsx, {"/etc/evil.txt": b"x"})
    for attack in ("xxe", "billion-laughs"):
        files[f"{attack}.xlsx"] = xlsx_with_entity(attack)
    files["frame-ragged.csv"] = b"code;naam\nG1;Aadorp;x;y\nG2;Beek\n"
    files["frame-no-code.csv"] = b"code;naam\nG1;Aadorp\n;Beek\n"
    files["frame-infinite.csv"] = b"code;naam;populatie\nG1;Aadorp;1e999\n"
    files["frame-utf16.csv"] = ("code;naam;regio\nG1;Aadorp " + SCRIPT + ";Noord\n"
                                "G2;مرحبا 😀;Zuid\n").encode("utf-16")
    files["frame-binary.csv"] = b"\x00\x01\x02\x03" * 16
    files["frame-empty.csv"] = b""
    return files


def build_corpus(folder: Path) -> None:
    """Write the corpus into `folder`, refusing files over 200 KB."""
    for name, data in corpus().items():
        assert len(data) <= 200 * 1024, (name, len(data))
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    build_corpus(Path(__file__).resolve().parent)
