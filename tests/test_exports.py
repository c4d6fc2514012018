"""What every export shares: spreadsheet cells that never run as formulas, also for a table
downloaded from a page (the toolbar's own CSV download is switched off, see
test_browser_tracker.py)."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from research import exports

ROOT = Path(__file__).resolve().parent.parent


def test_a_table_downloads_with_text_as_text():
    frame = pd.DataFrame({"Vraag": ['=HYPERLINK("http://outside.example","klik")', "+31 20",
                                    "-1", "@som", None],
                          "Aantal": [1, 2, None, 4, 5]})
    sheet = load_workbook(io.BytesIO(exports.table_xlsx(frame))).active
    assert sheet.title == "Tabel"
    assert [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()] == [
        [("Vraag", "s"), ("Aantal", "s")],
        [('=HYPERLINK("http://outside.example","klik")', "s"), (1, "n")],
        [("+31 20", "s"), (2, "n")],
        [("-1", "s"), (None, "n")],
        [("@som", "s"), (4, "n")],
        [(None, "n"), (5, "n")]]


def test_a_csv_cell_never_starts_a_formula():
    assert [exports.csv_cell(v) for v in ['=HYPERLINK("x")', "+31 20", "-1", "@som", "Aadorp",
                                          None, float("nan"), 3]] == [
        "'=HYPERLINK(\"x\")", "'+31 20", "'-1", "'@som", "Aadorp", "", "", "3"]


def test_the_table_toolbar_exports_nothing():
    """Streamlit's table toolbar writes cells as they are into its CSV; it stays off."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
