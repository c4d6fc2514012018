"""The raw responses of an online fieldwork as files for other tools: SPSS (`.sav`, with
variable labels, value labels and user-missing codes, written by pyreadstat) and Excel
(`.xlsx`, a sheet of answers and a sheet 'vragenlijst' that `readers.read_questionnaire`
reads again). A row per sent link: eenheid (its unit codes), ingevuld, a column per
variable. While the fieldwork is open the answers come from the fieldwork file, after
closing from the wave. No contact details: an export never reads them.
"""

from __future__ import annotations

import io
import os
import tempfile

import numpy as np
import pandas as pd

from research.accounts import User, require
from research.exports import text_cell
from research.storage import Store
from research.survey import invitations, waves

DESIGN_LABELS = {"eenheid": "Eenheid (code uit het kader)", "ingevuld": "Datum verstuurd"}


def table(store: Store, user: User, fieldwork_id: int) -> tuple[pd.DataFrame, list[dict]]:
    """The raw responses (see the module) and their variables."""
    require(user, "survey.read")
    found = invitations.fieldwork(store, user, fieldwork_id)
    if found["status"] == "open":
        return invitations.answers_table(store, fieldwork_id)
    variables = invitations.stored_variables(found)
    names = [v["name"] for v in variables]
    wave = waves.wave_data(store, user, found["wave_id"], names)
    units = dict(store.table(
        "SELECT ru.response_id, group_concat(u.code, '; ') FROM response_units ru"
        " JOIN frame_units u ON u.id = ru.unit_id JOIN responses r ON r.id = ru.response_id"
        " WHERE r.wave_id = ? GROUP BY ru.response_id", [found["wave_id"]])[1])
    data = pd.DataFrame({"eenheid": [units.get(i) for i in wave.frame["_id"]],
                         "ingevuld": wave.frame["_completed"].tolist()})
    for name in names:
        data[name] = wave.frame[name].to_numpy() if name in wave.frame.columns else np.nan
    return data, variables


def _code(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def sav(data: pd.DataFrame, variables: list[dict]) -> bytes:
    """The responses as an SPSS file with labels and user-missing codes."""
    import pyreadstat

    frame = data.copy()
    for column in ("eenheid", "ingevuld"):
        frame[column] = frame[column].map(lambda v: "" if v is None or v != v else str(v))
    for var in variables:
        if var["type"] == "open":
            frame[var["name"]] = frame[var["name"]].map(
                lambda v: "" if v is None or v != v else str(v))
        else:
            frame[var["name"]] = frame[var["name"]].astype(float)
    labels = {**DESIGN_LABELS, **{v["name"]: v.get("label") or v["name"] for v in variables}}
    value_labels = {v["name"]: {_code(k): str(x) for k, x in v["value_labels"].items()}
                    for v in variables if v["value_labels"] and v["type"] != "open"}
    # SPSS holds at most three discrete missing codes per variable.
    missing: dict[str, list] = {v["name"]: [_code(c) for c in v["missing_codes"][:3]]
                                for v in variables if v["missing_codes"] and v["type"] != "open"}
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(frame, path, column_labels=labels,
                             variable_value_labels=value_labels, missing_ranges=missing)
        with open(path, "rb") as written:
            return written.read()
    finally:
        os.unlink(path)


def _labels_text(labels: dict) -> str:
    """{1.0: 'Ja', 2.0: 'Nee'} -> '1=Ja | 2=Nee' (as the questionnaire's 'waarden')."""
    return " | ".join(f"{_code(k)}={v}" for k, v in labels.items())


def xlsx(data: pd.DataFrame, variables: list[dict]) -> bytes:
    """The responses as Excel: 'antwoorden' (numbers as numbers, texts as text) and
    'vragenlijst' (naam, label, vraag, type, waarden, ontbrekend, thema, set)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "antwoorden"
    for column, heading in enumerate(data.columns, 1):
        text_cell(sheet, 1, column, str(heading))
    for row, record in enumerate(data.itertuples(index=False), 2):
        for column, value in enumerate(record, 1):
            empty = value is None or (isinstance(value, float) and np.isnan(value))
            text_cell(sheet, row, column, None if empty else
                      value.item() if hasattr(value, "item") else value)
    guide = book.create_sheet("vragenlijst")
    headings = ["naam", "label", "vraag", "type", "waarden", "ontbrekend", "thema", "set"]
    for column, heading in enumerate(headings, 1):
        text_cell(guide, 1, column, heading)
    for row, var in enumerate(variables, 2):
        values = [var["name"], var.get("label"), var.get("question"), var["type"],
                  _labels_text(var["value_labels"]),
                  "; ".join(str(_code(c)) for c in var["missing_codes"]), var.get("topic"),
                  var.get("mr_set")]
        for column, value in enumerate(values, 1):
            text_cell(guide, row, column, value or None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(store: Store, user: User, fieldwork_id: int, kind: str) -> bytes:
    """The raw responses as 'sav' or 'xlsx'."""
    data, variables = table(store, user, fieldwork_id)
    return sav(data, variables) if kind == "sav" else xlsx(data, variables)
