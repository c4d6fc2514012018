"""REFI-QDA projects written the way other tools write them, for import tests (unit, page and
browser tests share them).

`atlas_three_coders` follows what a merged multi-coder ATLAS.ti 23 project exports: the XML
named after the project, users only by GUID (none of them has an account here), texts with
CRLF line ends counted as one character, one quotation coded by several coders (each Coding
with its own creatingUser) next to quotations of one coder, and two codes of the same name
under different parents. `qualcoder_bare_path` names its source file without `internal://`,
`maxqda_document_sets` puts documents into document sets.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ANNE = "5A1F0C3E-9B2D-4C8E-A1F4-2D3B4C5D6E01"
BART = "5A1F0C3E-9B2D-4C8E-A1F4-2D3B4C5D6E02"
CHRIS = "5A1F0C3E-9B2D-4C8E-A1F4-2D3B4C5D6E03"
CODERS = {ANNE: "Anne Jansen", BART: "Bart de Boer", CHRIS: "Chris Visser"}

FAMILIE, BUURT = "C0DE0000-0000-4000-8000-000000000001", "C0DE0000-0000-4000-8000-000000000002"
STEUN_F, STEUN_B = "C0DE0000-0000-4000-8000-000000000011", "C0DE0000-0000-4000-8000-000000000012"
EENZAAM = "C0DE0000-0000-4000-8000-000000000021"

DOC1 = ("Interviewer: Hoe kwam u bij de buurtkamer?\r\n"
        "Respondent: Mijn dochter bracht me. Zonder haar was ik thuis gebleven.\r\n"
        "Interviewer: En de buren?\r\n"
        "Respondent: De buurvrouw kookt soms voor me. Verder zie ik weinig mensen.\r\n")
DOC2 = ("Interviewer: Wat betekent de buurtkamer voor u?\r\n"
        "Respondent: Ik ben er graag. Thuis is het stil sinds mijn man er niet meer is.\r\n"
        "Interviewer: Helpt iemand u?\r\n"
        "Respondent: Mijn zoon doet de boodschappen. De buurman maakt een praatje.\r\n")
SOURCES = {"D0C00000-0000-4000-8000-000000000001": ("Interview 1", DOC1),
           "D0C00000-0000-4000-8000-000000000002": ("Interview 2", DOC2)}

# (source, passage, [(code, coder), ...]): one quotation, coded by one or more coders.
QUOTATIONS = [
    ("D0C00000-0000-4000-8000-000000000001", "Mijn dochter bracht me.",
     [(STEUN_F, ANNE), (STEUN_F, BART), (STEUN_F, CHRIS)]),
    ("D0C00000-0000-4000-8000-000000000001", "Zonder haar was ik thuis gebleven.",
     [(STEUN_F, ANNE), (EENZAAM, CHRIS)]),
    ("D0C00000-0000-4000-8000-000000000001", "De buurvrouw kookt soms voor me.",
     [(STEUN_B, ANNE), (STEUN_B, BART), (STEUN_B, CHRIS)]),
    ("D0C00000-0000-4000-8000-000000000001", "Verder zie ik weinig mensen.",
     [(EENZAAM, ANNE), (EENZAAM, BART)]),
    ("D0C00000-0000-4000-8000-000000000002", "Thuis is het stil sinds mijn man er niet meer is.",
     [(EENZAAM, ANNE), (EENZAAM, BART), (EENZAAM, CHRIS)]),
    ("D0C00000-0000-4000-8000-000000000002", "Mijn zoon doet de boodschappen.",
     [(STEUN_F, ANNE), (STEUN_F, CHRIS)]),
    ("D0C00000-0000-4000-8000-000000000002", "De buurman maakt een praatje.",
     [(STEUN_B, BART), (STEUN_B, CHRIS)]),
]
# Per coder, how many codings the file holds.
CODINGS_PER_CODER = {"Anne Jansen": 6, "Bart de Boer": 5, "Chris Visser": 6}


def _atlas_position(text: str, index: int) -> int:
    """ATLAS.ti counts a CRLF line break as one character."""
    return index - text[:index].count("\r\n")


def _quotation_xml(number: int, text: str, passage: str, codings: list[tuple[str, str]]) -> str:
    start = text.index(passage)
    begin, end = _atlas_position(text, start), _atlas_position(text, start + len(passage))
    first = codings[0][1]
    inner = "".join(
        f'<Coding guid="C0D10000-0000-4000-8000-{number:06d}{k:06d}" creatingUser="{coder}" '
        f'creationDateTime="2025-03-0{k + 1}T10:00:00Z"><CodeRef targetGUID="{code}"/></Coding>'
        for k, (code, coder) in enumerate(codings))
    return (f'<PlainTextSelection guid="5E100000-0000-4000-8000-{number:012d}" '
            f'name="{passage[:20]}" startPosition="{begin}" endPosition="{end}" '
            f'creatingUser="{first}" creationDateTime="2025-03-01T10:00:00Z">{inner}'
            "</PlainTextSelection>")


def atlas_three_coders(path: Path) -> Path:
    """A merged three-coder project as ATLAS.ti 23 exports it (see the module docstring)."""
    users = "".join(f'<User guid="{guid}" name="{name}"/>' for guid, name in CODERS.items())
    sources = []
    number = 0
    for guid, (name, text) in SOURCES.items():
        selections = []
        for source, passage, codings in QUOTATIONS:
            if source == guid:
                number += 1
                selections.append(_quotation_xml(number, text, passage, codings))
        sources.append(f'<TextSource guid="{guid}" name="{name}" '
                       f'plainTextPath="internal://{guid}.txt" creatingUser="{ANNE}">'
                       + "".join(selections) + "</TextSource>")
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Buurtkamers (ATLAS.ti)" '
        f'origin="ATLAS.ti Windows 23.4.0.29360" creatingUserGUID="{ANNE}" '
        'basePath="C:\\Users\\anne\\Documents\\Scientific Software\\ATLASti.23">'
        f"<Users>{users}</Users>"
        "<CodeBook><Codes>"
        f'<Code guid="{FAMILIE}" name="Familie" isCodable="true" color="#6fcf97">'
        f'<Code guid="{STEUN_F}" name="Steun" isCodable="true" color="#27ae60"/></Code>'
        f'<Code guid="{BUURT}" name="Buurt" isCodable="true" color="#56ccf2">'
        f'<Code guid="{STEUN_B}" name="Steun" isCodable="true" color="#2d9cdb"/></Code>'
        f'<Code guid="{EENZAAM}" name="Eenzaamheid" isCodable="true" color="#eb5757"/>'
        "</Codes></CodeBook>"
        f"<Sources>{''.join(sources)}</Sources>"
        "</Project>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Buurtkamers (ATLAS.ti).qde", xml.encode("utf-8"))
        for guid, (_, text) in SOURCES.items():
            archive.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    return path


def qualcoder_bare_path(path: Path) -> Path:
    """A project whose source names its file without `internal://` ('Interview 3.txt'), as
    QualCoder-style exporters write it; the file is in sources/ and has one coding."""
    text = "Interviewer: Komt u vaak?\nRespondent: Elke dinsdag, voor de koffie.\n"
    start = text.index("Elke dinsdag")
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Koffie" origin="QualCoder 3.5">'
        '<Users><User guid="0A000000-0000-4000-8000-000000000001" name="sam"/></Users>'
        '<CodeBook><Codes><Code guid="0B000000-0000-4000-8000-000000000001" name="Ritme" '
        'isCodable="true"/></Codes></CodeBook>'
        '<Sources><TextSource guid="0C000000-0000-4000-8000-000000000001" name="Interview 3" '
        'plainTextPath="Interview 3.txt">'
        f'<PlainTextSelection guid="0D000000-0000-4000-8000-000000000001" '
        f'startPosition="{start}" endPosition="{start + 12}" '
        'creatingUser="0A000000-0000-4000-8000-000000000001">'
        '<Coding guid="0E000000-0000-4000-8000-000000000001" '
        'creatingUser="0A000000-0000-4000-8000-000000000001">'
        '<CodeRef targetGUID="0B000000-0000-4000-8000-000000000001"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml.encode("utf-8"))
        archive.writestr("sources/Interview 3.txt", text.encode("utf-8"))
    return path


def maxqda_document_sets(path: Path) -> Path:
    """A MAXQDA 2024 project with two documents in a document set and one outside it."""
    names = ["Bewoner 1", "Bewoner 2", "Professional 1"]
    guids = [f"0F000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3)]
    sources = "".join(
        f'<TextSource guid="{g}" name="{n}" plainTextPath="internal://{g}.txt"/>'
        for g, n in zip(guids, names, strict=True))
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Wijkstudie" origin="MAXQDA 2024">'
        f"<Sources>{sources}</Sources>"
        '<Sets><Set guid="1A000000-0000-4000-8000-000000000001" name="Bewoners">'
        "<Description>Interviews met bewoners</Description>"
        f'<MemberSource targetGUID="{guids[0]}"/><MemberSource targetGUID="{guids[1]}"/>'
        "</Set></Sets></Project>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml.encode("utf-8"))
        for guid, name in zip(guids, names, strict=True):
            archive.writestr(f"sources/{guid}.txt",
                             f"Interviewer: Wie bent u?\r\nRespondent: {name}.\r\n"
                             .encode("utf-8"))
    return path
