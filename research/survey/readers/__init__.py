"""Reading one wave of a monitor from an uploaded file: SPSS (.sav), Excel (.xlsx) or CSV.

`read_wave` turns the file into a `WaveFile`: a DataFrame with one row per respondent (numbers
as float64 with NaN for an empty answer and user-missing codes kept as their codes; open answers
and dates as text) plus one description per substantive column (label, type, value labels,
missing codes, multiple-response set). The format is recognised from the content (magic bytes),
not only from the name. `read_questionnaire` reads a separate questionnaire (Dutch headers) and
`apply_questionnaire` lets it override what was inferred.

Every problem with the input is a `ReadError` with a Dutch sentence naming the file (and the
column and row where that helps); the read is all or nothing. Row numbers in messages are the
rows the user sees: the spreadsheet row (the header is row 1) for Excel and CSV, the case number
for SPSS.

The modules, each importing only those before it: `model` (ReadError, WaveFile, the column
record, the upload and its format), `types` (type inference, choice texts, retype), `tables`
(what Excel and CSV share, building the WaveFile), `questionnaire` (parsing and applying it),
`sav`, `excel` and `text` (the three formats) and `entry` (`read_wave`, `read_questionnaire`).
This package offers what the rest of the app uses; a limit is changed (in tests) on the module
that uses it, e.g. `readers.excel.MAX_UNZIPPED`, `readers.model.MAX_BYTES`.
"""

from research.survey.readers.entry import read_questionnaire, read_wave
from research.survey.readers.excel import check_workbook
from research.survey.readers.model import (
    MAX_BYTES,
    VARIABLE_TYPES,
    ReadError,
    WaveFile,
    as_input,
)
from research.survey.readers.questionnaire import apply_questionnaire
from research.survey.readers.text import check_table_text, decode_text
from research.survey.readers.types import CHOICE_TEXTS, choice_rule, infer_type, retype

__all__ = [
    "CHOICE_TEXTS", "MAX_BYTES", "VARIABLE_TYPES", "ReadError", "WaveFile", "apply_questionnaire",
    "as_input", "check_table_text", "check_workbook", "choice_rule", "decode_text", "infer_type",
    "read_questionnaire", "read_wave", "retype",
]
