"""Reading a wave: the type of a column. `infer_type` from values and value labels, text columns
as single-choice questions (`choice_rule`, `choices_from_text`), the analyst's types from the
preview (`retype`), and `fit_type`, which converts a column to a type or refuses it."""

from __future__ import annotations

import re
from collections.abc import Set

import numpy as np
import pandas as pd

from research.survey import ordering
from research.survey.readers.model import (
    ReadError,
    WaveFile,
    is_blank,
)

CHOICE_TEXTS = 12                      # a text column with at most this many answers ...
CHOICE_TEXT_CHARS = 40                 # ... each this short and not a sentence: single choice
CHOICE_TEXT_WORDS = 6

# Value-label vocabulary.
SCALE_WORDS = re.compile(
    r"\b(mee\s+)?(on)?eens\b|(on)?tevreden|(on)?belangrijk|(on)?veilig|(on)?waarschijnlijk"
    r"|\b(nooit|zelden|soms|vaak|regelmatig|geregeld|meestal|altijd|neutraal|noch|goed"
    r"|slecht|matig|redelijk|uitstekend)\b"
    r"|agree|satisf|important|\b(never|rarely|sometimes|often|always|neutral)\b", re.I)
OFF_SCALE = re.compile(r"weet\s*(ik\s*)?niet|geen\s+(mening|antwoord|idee)|n\.?\s*v\.?\s*t\b"
                       r"|niet\s+van\s+toepassing|wil\s+ik\s+niet|onbekend|don.?t\s+know"
                       r"|not\s+applicable|refused", re.I)
POSITIVE = re.compile(r"\b(tevreden|goed|uitstekend|veilig)\b", re.I)
NEGATIVE = re.compile(r"\b(ontevreden|slecht|onveilig)\b|\bniet\s+(tevreden|goed|veilig)\b", re.I)
MENTIONED = re.compile(r"^\s*(niet\s+|not\s+)?(genoemd|aangekruist|aangevinkt|gekozen"
                       r"|geselecteerd|selected|checked|mentioned)\s*$", re.I)
CIJFER = re.compile(r"cijfer", re.I)
MR_ITEM = re.compile(r"^(?P<prefix>.+)[_.](?P<item>\d{1,3}|[a-z])$", re.I)


# -- text columns as single-choice questions ---------------------------------------------------

def choice_rule(limit: int = CHOICE_TEXTS) -> str:
    """The rule that makes a text column a single-choice question, in Dutch (for the
    preview, where the analyst can change the limit and every column's type)."""
    if limit <= 0:
        return "Tekstkolommen worden open vragen."
    return (f"Een tekstkolom met hoogstens {limit} verschillende korte antwoorden (elk "
            f"hoogstens {CHOICE_TEXT_CHARS} tekens en geen zin), waarvan er minstens één vaker "
            "voorkomt, wordt een keuzevraag: de teksten worden de antwoorden, in hun "
            "natuurlijke volgorde (een schaal van laag naar hoog, anders op alfabet); 'weet "
            "niet' en dergelijke tellen als ontbrekend. Andere tekstkolommen zijn open vragen.")


def _label_like(text: str) -> bool:
    """Whether a text reads as an answer category rather than an open answer."""
    words = text.split()
    if len(text) > CHOICE_TEXT_CHARS or len(words) > CHOICE_TEXT_WORDS \
            or not text.isprintable():      # a control character: not an answer category
        return False
    return not (text.endswith((".", "!", "?")) and len(words) > 2) or ordering.off_scale(text)


def choice_texts(values: pd.Series, limit: int = CHOICE_TEXTS) -> list[str] | None:
    """The answers of a text column in their natural order when `choice_rule` makes it a
    single-choice question; None when it stays an open question."""
    if limit <= 0:
        return None
    texts = [str(v).strip() for v in values if not is_blank(v)]
    texts = [t for t in texts if t]
    distinct = list(dict.fromkeys(texts))
    if not texts or len(distinct) > limit or len(distinct) >= len(texts):
        return None
    if not all(_label_like(t) for t in distinct):
        return None
    return ordering.natural_order(distinct)


def _text_choice(values: pd.Series, texts: list[str]) -> tuple[pd.Series, dict, list]:
    """A text column as codes 1..k for `texts` in their order, with the value labels and the
    codes of the off-scale answers ('weet niet') as missing codes."""
    codes = {text: float(i) for i, text in enumerate(texts, start=1)}
    numbers = values.map(lambda v: codes.get(str(v).strip()) if not is_blank(v) else np.nan)
    missing = [code for text, code in codes.items() if ordering.off_scale(text)]
    return numbers.astype("float64"), {code: text for text, code in codes.items()}, missing


def _as_choice(var: dict, values: pd.Series, texts: list[str]) -> tuple[pd.Series, dict]:
    """The column and description of a text column read as a single-choice (or Likert)
    question."""
    numbers, labels, missing = _text_choice(values, texts)
    substantive = {k: v for k, v in labels.items() if k not in missing}
    kind = "likert" if _is_likert(substantive) else "enkelvoudig"
    return numbers, {**var, "type": kind, "value_labels": labels, "missing_codes": missing,
                     "higher_is_better": guess_higher_is_better(kind, substantive),
                     "mr_set": None, "from_text": True}


def _is_text(values: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(values) and \
        not pd.api.types.is_datetime64_any_dtype(values)


def choices_from_text(wave: WaveFile, limit: int = CHOICE_TEXTS,
                      keep_open: Set[str] = frozenset()) -> WaveFile:
    """The wave with its open questions whose texts `choice_rule` makes single choice as
    such questions (their data codes, the texts their labels); columns in `keep_open` stay
    open."""
    data, variables = wave.data, []
    changed = {}
    for var in wave.variables:
        values = data[var["name"]]
        texts = None if var["type"] != "open" or var["name"] in keep_open \
            or not _is_text(values) else choice_texts(values, limit)
        if texts is None:
            variables.append(var)
            continue
        changed[var["name"]], var = _as_choice(var, values, texts)
        variables.append(var)
    if changed:
        data = data.assign(**changed)
    return WaveFile(data, variables, list(wave.warnings), dict(wave.design_columns),
                    wave.filename, wave.rows)


def retype(wave: WaveFile, types: dict[str, str]) -> WaveFile:
    """The wave with the types the analyst chose in the preview (name -> type): a text
    column made single choice gets its texts as answers (in their natural order), a column
    read from text as single choice made open gets its texts back, numbers made open become
    text; a type the data cannot have is refused (ReadError)."""
    data = wave.data.copy()
    variables = []
    for var in wave.variables:
        kind = types.get(var["name"], var["type"])
        if kind == var["type"]:
            variables.append(var)
            continue
        name, values = var["name"], data[var["name"]]
        if kind == "open" and var.get("from_text"):
            labels = var["value_labels"]
            data[name] = values.map(
                lambda v, labels=labels: labels.get(float(v)) if pd.notna(v) else None) \
                .astype(object)
            var = {**var, "type": "open", "value_labels": {}, "missing_codes": [],
                   "higher_is_better": None, "from_text": False}
        elif kind in ("enkelvoudig", "likert") and _is_text(values):
            texts = ordering.natural_order(dict.fromkeys(
                str(v).strip() for v in values if not is_blank(v) and str(v).strip()))
            data[name], var = _as_choice(var, values, texts)
            var["type"] = kind
        elif _is_text(values) and kind != "open" and var["type"] == "open":
            raise ReadError(f"Bestand '{wave.filename}', kolom '{name}': tekst kan geen type "
                            f"'{kind}' hebben; kies enkelvoudig, likert of open.")
        else:
            data[name] = fit_type(wave, values, name, kind, var["missing_codes"])
            var = {**var, "type": kind}
            if kind == "open":
                var.update(value_labels={}, missing_codes=[], higher_is_better=None)
        variables.append(var)
    return WaveFile(data, variables, list(wave.warnings), dict(wave.design_columns),
                    wave.filename, wave.rows)


# -- type inference ----------------------------------------------------------------------------

def without_missing(values: pd.Series, missing_codes: list) -> pd.Series:
    """The values with user-missing codes set to NaN."""
    if not missing_codes or not pd.api.types.is_numeric_dtype(values):
        return values
    return values.mask(np.isin(values.to_numpy(), missing_codes))


def guess_higher_is_better(kind: str, labels: dict) -> bool | None:
    """True for rapportcijfers and for satisfaction/quality scales coded low = bad; False when
    coded the other way round; None when the labels do not say."""
    if kind == "rapportcijfer":
        return True
    if kind != "likert":
        return None
    scale = sorted((k, v) for k, v in labels.items() if not OFF_SCALE.search(v))
    if len(scale) < 2:
        return None
    low, high = scale[0][1], scale[-1][1]

    def good(text):
        return bool(POSITIVE.search(text)) and not NEGATIVE.search(text)

    if good(high) and NEGATIVE.search(low):
        return True
    if good(low) and NEGATIVE.search(high):
        return False
    return None


def mr_prefix(name: str) -> str | None:
    """'v5' for 'v5_1' or 'v5.1', else None."""
    match = MR_ITEM.match(name)
    return match.group("prefix") if match else None


def infer_type(values: pd.Series, value_labels: dict, *, label: str | None = None) -> str:
    """The variable type a column's values and value labels suggest (one of VARIABLE_TYPES).

    Pass values and labels without the user-missing codes. The column name is `values.name`;
    `label` is the variable label (both are searched for 'cijfer').

    - open: text;
    - meervoudig: 0/1 labelled 'genoemd'/'niet genoemd' (sets by prefix are found elsewhere);
    - rapportcijfer: values within 1..10 and 'cijfer' in name, label or value labels; or
      whole numbers 1..10 reaching at least 8 (so not an unlabelled 1-7 scale), without
      labels other than at 1 and 10;
    - likert: 4 to 7 labelled points reading like an agreement, satisfaction, importance,
      frequency, quality or safety scale ('weet niet'-like labels not counted);
    - enkelvoudig: labelled categories (at least half of the values present have a label);
    - getal: anything else.
    """
    labels = {float(k): str(v) for k, v in (value_labels or {}).items()}
    numbers = _as_numbers(values)
    if numbers is None:
        return "open"
    present = pd.unique(numbers.dropna().to_numpy())
    if labels and set(labels) <= {0.0, 1.0} and np.isin(present, (0.0, 1.0)).all() \
            and all(MENTIONED.match(v) for v in labels.values()):
        return "meervoudig"
    if _is_rapportcijfer(present, labels, str(values.name or ""), label or ""):
        return "rapportcijfer"
    if _is_likert(labels):
        return "likert"
    if labels:
        labelled = np.isin(present, list(labels)).sum()
        if present.size == 0 or labelled >= present.size / 2:
            return "enkelvoudig"
    return "getal"


def _as_numbers(values: pd.Series) -> pd.Series | None:
    """The values as float64, or None when they are text."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    filled = values.dropna()
    if filled.empty:
        return pd.Series(np.nan, index=values.index, name=values.name, dtype="float64")
    converted = pd.to_numeric(filled.astype(str).str.strip().str.replace(",", ".", regex=False),
                              errors="coerce")
    if converted.isna().any():
        return None
    return pd.to_numeric(values.astype(str).str.replace(",", ".", regex=False), errors="coerce") \
        .astype("float64").where(values.notna())


def _is_rapportcijfer(present: np.ndarray, labels: dict, name: str, label: str) -> bool:
    """See infer_type."""
    in_range = present.size == 0 or (present.min() >= 1 and present.max() <= 10)
    hinted = bool(CIJFER.search(name) or CIJFER.search(label)
                  or any(CIJFER.search(v) for v in labels.values()))
    if hinted and in_range:
        return True
    return bool(present.size and in_range and np.all(present == np.round(present))
                and present.max() >= 8 and set(labels) <= {1.0, 10.0})


def _is_likert(labels: dict) -> bool:
    """See infer_type: 4-7 scale points, both ends and most points in the scale vocabulary."""
    scale = [text for _, text in sorted(labels.items()) if not OFF_SCALE.search(text)]
    if not 4 <= len(scale) <= 7:
        return False
    matched = [bool(SCALE_WORDS.search(text)) for text in scale]
    return matched[0] and matched[-1] and sum(matched) >= 0.75 * len(scale)


# -- converting a column to a type -------------------------------------------------------------

def fit_type(wave: WaveFile, values: pd.Series, name: str, kind: str, missing: list) -> pd.Series:
    """The column converted to what `kind` needs, or a ReadError when it does not fit."""
    where = f"Bestand '{wave.filename}', kolom '{name}'"
    if kind == "open":
        if not pd.api.types.is_numeric_dtype(values):
            return values
        return values.map(_number_text, na_action="ignore").astype(object) \
            .where(values.notna(), None)
    if not pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values.astype(str).str.strip().str.replace(",", ".", regex=False),
                                errors="coerce").astype("float64").where(values.notna())
        bad = values.notna().to_numpy() & ~np.isfinite(numbers.to_numpy())
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ReadError(f"{where}: type '{kind}' uit de vragenlijst past niet bij de "
                            f"gegevens: '{values.iloc[first]}' is geen getal "
                            f"(rij {_row(wave, first)}).")
        values = numbers
    if kind == "rapportcijfer":
        valid = without_missing(values, missing).to_numpy()
        outside = ~np.isnan(valid) & ((valid < 1) | (valid > 10))
        if outside.any():
            first = int(np.flatnonzero(outside)[0])
            raise ReadError(f"{where}: type 'rapportcijfer' uit de vragenlijst past niet bij de "
                            f"gegevens: {_number_text(valid[first])} ligt niet tussen 1 en 10 "
                            f"(rij {_row(wave, first)}).")
    return values


def _row(wave: WaveFile, position: int) -> int:
    """The row number the user sees for a data row."""
    if wave.rows is not None and position < len(wave.rows):
        return int(wave.rows[position])
    return position + 1


def _number_text(value) -> str:
    """3.0 -> '3', 7.5 -> '7.5'."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
