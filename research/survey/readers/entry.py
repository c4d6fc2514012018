"""Reading a wave: the two entry points. `read_wave` and `read_questionnaire` recognise the
format from the content and hand the file to the SPSS, Excel or CSV reader."""

from __future__ import annotations

import csv
import io

from research import untrusted
from research.survey.readers.excel import (
    is_xlsx,
    open_workbook,
    read_xlsx,
    sheet_rows,
)
from research.survey.readers.model import (
    KIND_NAMES,
    QUESTIONNAIRE_SHEETS,
    ReadError,
    WaveFile,
    as_input,
    content_kind,
    expected_kind,
    wrong_format,
)
from research.survey.readers.questionnaire import (
    apply_questionnaire,
    merge_entries,
    parse_questionnaire,
)
from research.survey.readers.sav import (
    read_spss,
)
from research.survey.readers.text import (
    check_table_text,
    decode_text,
    read_text_table,
)
from research.survey.readers.types import (
    CHOICE_TEXTS,
    choices_from_text,
)


def read_wave(source, filename: str, questionnaire: list[dict] | None = None,
              choice_limit: int = CHOICE_TEXTS) -> WaveFile:
    """Read one wave from a path, bytes or file-like object; the format is taken from the content.

    `questionnaire` (optional, from `read_questionnaire`) is applied at the end; its 'open'
    columns are kept as text even when they look mostly numeric. An Excel workbook's own
    'vragenlijst' or 'variabelen' sheet is applied the same way (the argument wins per name).
    A text column of at most `choice_limit` short answers becomes a single-choice question
    (`choice_rule`), unless the questionnaire calls it open.
    """
    inp = as_input(source, filename)
    kind = content_kind(inp.head())
    expected = expected_kind(filename)
    force_text = {e["name"] for e in questionnaire or [] if e.get("type") == "open"}
    warnings: list[str] = []
    if kind == "sav":
        wave = read_spss(inp, warnings)
    elif kind == "zip" and (expected in (None, "xlsx") or is_xlsx(inp.content())):
        wave, sheet_entries = read_xlsx(inp, warnings, force_text)
        questionnaire = merge_entries(sheet_entries, questionnaire)
        kind = "xlsx"
    elif kind == "text" and expected not in ("sav", "xlsx"):
        wave = read_text_table(inp, warnings, force_text)
        kind = "csv"
    else:
        raise wrong_format(filename, kind, expected)
    if expected not in (None, kind):
        wave.warnings.insert(0, f"Bestand '{filename}' is een {KIND_NAMES[kind]}, geen "
                                f"{KIND_NAMES[expected]}; het is als {KIND_NAMES[kind]} "
                                "gelezen.")
    declared_open = {e["name"] for e in questionnaire or [] if e.get("type") == "open"}
    wave = choices_from_text(wave, choice_limit, keep_open=declared_open)
    if questionnaire:
        wave = apply_questionnaire(wave, questionnaire)
    return wave


def read_questionnaire(source, filename: str) -> list[dict]:
    """A questionnaire from an Excel or CSV file with the Dutch headers naam, label, vraag,
    type, waarden ("1=Ja; 2=Nee"), ontbrekend ("9; 99"), thema and hoger_is_beter (ja/nee).

    Each entry has the keys name, label, question, type, value_labels, missing_codes, topic,
    higher_is_better and mr_set (optional column 'set'); None means "not given, keep what the
    data says". A routing condition (optional column 'voorwaarde', `v3 = 1`, see
    `research.public.conditions`) adds the key condition.
    """
    inp = as_input(source, filename)
    kind = content_kind(inp.head())
    if kind == "zip":
        book = open_workbook(inp.content(), filename)
        names = book.sheetnames
        sheet = next((n for n in names if n.strip().lower() in QUESTIONNAIRE_SHEETS), names[0])
        try:
            rows = sheet_rows(book, sheet, filename)
        finally:
            book.close()
        return parse_questionnaire(rows, filename, sheet if len(names) > 1 else None)
    if kind == "text":
        text = decode_text(inp.content(), filename)
        check_table_text(text, filename)
        delimiter = untrusted.sniff_delimiter(text)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as error:
            raise ReadError(f"Bestand '{filename}' is geen geldige vragenlijst (technische "
                            f"melding: {error}).") from None
        return parse_questionnaire(rows, filename, None)
    name = KIND_NAMES.get(kind, "binair bestand")
    raise ReadError(f"Bestand '{filename}' is geen vragenlijst: een vragenlijst moet een Excel-"
                    f"bestand (.xlsx) of een CSV-bestand zijn, dit is een {name}.")
