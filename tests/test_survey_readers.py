"""Reading a monitor wave (SPSS, Excel, CSV) and its questionnaire: research/survey/readers/.

Files are made in tmp_path by the tests (pyreadstat.write_sav, openpyxl, plain bytes); two
hand-made files live in tests/data/survey: a Dutch Excel questionnaire CSV (cp1252, ';') and
300 bytes of binary noise named .csv.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from research.errors import UserError
from research.survey import readers
from research.survey.readers import (
    ReadError,
    WaveFile,
    apply_questionnaire,
    infer_type,
    read_questionnaire,
    read_wave,
)

DATA = Path(__file__).resolve().parent / "data" / "survey"
LIKERT = {1: "Zeer ontevreden", 2: "Ontevreden", 3: "Neutraal", 4: "Tevreden",
          5: "Zeer tevreden", 9: "Weet niet"}


# -- helpers -----------------------------------------------------------------------------------

def monitor_frame() -> pd.DataFrame:
    """Five municipalities answering a small gemeentemonitor."""
    return pd.DataFrame({
        "gemeentecode": ["GM0014", "GM0034", "GM0037", "GM0047", "GM0050"],
        "gewicht": [1.0, 1.5, 0.5, 1.0, 1.0],
        "einddatum": [dt.date(2025, 3, 1), dt.date(2025, 3, 2), dt.date(2025, 3, 2),
                      dt.date(2025, 3, 4), dt.date(2025, 3, 5)],
        "v1": [1.0, 2.0, 9.0, np.nan, 1.0],
        "tevreden": [4.0, 5.0, 3.0, 9.0, 1.0],
        "cijfer": [7.0, 8.0, 6.5, 9.0, 5.0],
        "v5_1": [0.0, 1.0, 1.0, 0.0, 1.0],
        "v5_2": [1.0, 0.0, 1.0, 0.0, 0.0],
        "fte": [3.5, 10.0, 250.0, 97.0, 0.0],
        "toelichting": ["Prima", "", "Veel overleg met de regio", "Coördinatie loopt", ""],
    })


def write_monitor_sav(path: Path) -> Path:
    pyreadstat.write_sav(
        monitor_frame(), str(path),
        column_labels={"v1": "Heeft uw gemeente een regionale aanpak?",
                       "tevreden": "Tevredenheid over de samenwerking", "fte": "Aantal fte"},
        variable_value_labels={"v1": {1: "Ja", 2: "Nee", 9: "Weet niet"}, "tevreden": LIKERT,
                               "fte": {97: "Weet niet", 98: "Wil niet zeggen"}},
        missing_ranges={"v1": [9], "tevreden": [9], "fte": [{"lo": 97, "hi": 99}]},
        variable_measure={"v1": "nominal", "tevreden": "ordinal", "fte": "scale"})
    return path


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def by_name(wave: WaveFile) -> dict[str, dict]:
    return {var["name"]: var for var in wave.variables}


def message(excinfo) -> str:
    return str(excinfo.value)


# -- SPSS --------------------------------------------------------------------------------------

def test_sav_keeps_labels_missing_codes_dates_and_design(tmp_path):
    wave = read_wave(write_monitor_sav(tmp_path / "meting2025.sav"), "meting2025.sav")
    assert list(wave.data.columns) == ["gemeentecode", "gewicht", "einddatum", "v1", "tevreden",
                                       "cijfer", "v5_1", "v5_2", "fte", "toelichting"]
    assert wave.data["v1"].dtype == np.float64
    # user-missing codes stay in the data as their codes, system missing is NaN
    assert wave.data["v1"].tolist()[:3] == [1.0, 2.0, 9.0]
    assert np.isnan(wave.data["v1"].iloc[3])
    assert wave.data["fte"].tolist() == [3.5, 10.0, 250.0, 97.0, 0.0]
    assert wave.data["einddatum"].tolist() == ["2025-03-01", "2025-03-02", "2025-03-02",
                                               "2025-03-04", "2025-03-05"]
    assert wave.data["toelichting"].tolist() == ["Prima", None, "Veel overleg met de regio",
                                                 "Coördinatie loopt", None]
    assert wave.design_columns == {"weight": "gewicht", "strata": None, "psu": None,
                                   "fpc": None, "unit": "gemeentecode",
                                   "completed": "einddatum", "respondent": None}
    assert [v["name"] for v in wave.variables] == ["v1", "tevreden", "cijfer", "v5_1", "v5_2",
                                                   "fte", "toelichting"]
    variables = by_name(wave)
    assert variables["v1"] == {
        "name": "v1", "label": "Heeft uw gemeente een regionale aanpak?", "question": None,
        "type": "enkelvoudig", "value_labels": {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"},
        "missing_codes": [9.0], "topic": None, "higher_is_better": None, "mr_set": None}
    assert variables["tevreden"]["type"] == "likert"
    assert variables["tevreden"]["higher_is_better"] is True
    assert variables["cijfer"]["type"] == "rapportcijfer"
    assert variables["v5_1"]["type"] == "meervoudig" and variables["v5_1"]["mr_set"] == "v5"
    assert variables["v5_2"]["mr_set"] == "v5"
    # a range 97..99: the labelled codes (97, 98) and the present ones (97)
    assert variables["fte"]["missing_codes"] == [97.0, 98.0]
    assert variables["fte"]["type"] == "getal"
    assert variables["toelichting"]["type"] == "open"
    assert wave.warnings == []


def test_sav_from_bytes_and_file_like_equals_from_path(tmp_path, monkeypatch):
    path = write_monitor_sav(tmp_path / "m.sav")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(readers.sav.tempfile, "tempdir", str(scratch))
    from_path = read_wave(path, "m.sav")
    from_bytes = read_wave(path.read_bytes(), "m.sav")
    from_file = read_wave(io.BytesIO(path.read_bytes()), "m.sav")
    pd.testing.assert_frame_equal(from_path.data, from_bytes.data)
    pd.testing.assert_frame_equal(from_path.data, from_file.data)
    assert from_path.variables == from_bytes.variables == from_file.variables
    assert list(scratch.iterdir()) == []  # the temporary copy of the bytes is removed


def test_sav_datetime_column_keeps_its_time(tmp_path):
    frame = pd.DataFrame({"EndDate": [dt.datetime(2025, 3, 1, 10, 15), dt.datetime(2025, 3, 2)],
                          "v1": [1.0, 2.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "t.sav"))
    wave = read_wave(tmp_path / "t.sav", "t.sav")
    assert wave.data["EndDate"].tolist() == ["2025-03-01T10:15:00", "2025-03-02T00:00:00"]
    assert wave.design_columns["completed"] == "EndDate"
    assert [v["name"] for v in wave.variables] == ["v1"]


def test_sav_multiple_response_sets_from_meta(tmp_path, monkeypatch):
    """pyreadstat.write_sav cannot write mr sets, so the set is added to the metadata read."""
    frame = pd.DataFrame({"knel_huis": [1.0, 0.0, 1.0], "knel_taal": [0.0, 0.0, 1.0],
                          "knelpunt_werk": [1.0, 1.0, 0.0], "v2": [1.0, 2.0, 1.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "mr.sav"),
                         variable_value_labels={"v2": {1: "Ja", 2: "Nee"}})
    real = readers.sav._call_read_sav

    def with_sets(path, encoding):
        data, meta = real(path, encoding)
        meta.mr_sets = {"$knelpunten": {
            "type": "D", "is_dichotomy": True, "counted_value": 1,
            "label": "Welke knelpunten ervaart uw gemeente?",
            "variable_list": ["knel_huis", "knel_taal", "knelpunt_werk"]}}
        return data, meta

    monkeypatch.setattr(readers.sav, "_call_read_sav", with_sets)
    variables = by_name(read_wave(tmp_path / "mr.sav", "mr.sav"))
    for name in ("knel_huis", "knel_taal", "knelpunt_werk"):
        assert variables[name]["type"] == "meervoudig"
        assert variables[name]["mr_set"] == "knelpunten"
        assert variables[name]["question"] == "Welke knelpunten ervaart uw gemeente?"
    assert variables["v2"]["type"] == "enkelvoudig" and variables["v2"]["mr_set"] is None


def test_sav_category_set_gives_a_warning(tmp_path, monkeypatch):
    frame = pd.DataFrame({"a1": [1.0, 3.0], "a2": [2.0, np.nan]})
    pyreadstat.write_sav(frame, str(tmp_path / "c.sav"))
    real = readers.sav._call_read_sav

    def with_sets(path, encoding):
        data, meta = real(path, encoding)
        meta.mr_sets = {"merken": {"type": "C", "is_dichotomy": False, "counted_value": None,
                                   "label": "", "variable_list": ["a1", "a2"]}}
        return data, meta

    monkeypatch.setattr(readers.sav, "_call_read_sav", with_sets)
    wave = read_wave(tmp_path / "c.sav", "c.sav")
    assert [v["mr_set"] for v in wave.variables] == ["merken", "merken"]
    assert wave.warnings == ["Set 'merken' is een categorieënset: elke kolom bevat een "
                             "antwoordcode in plaats van 0/1 (genoemd/niet genoemd)."]


def test_sav_in_a_wrong_encoding_is_read_as_cp1252_with_a_warning(tmp_path):
    frame = pd.DataFrame({"v1": [1.0, 2.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "e.sav"), column_labels={"v1": "Coëfficiënt"},
                         variable_value_labels={"v1": {1: "Geëvalueerd", 2: "Niet"}})
    # 'ë' is 2 bytes in UTF-8; replace it by the 2 cp1252 bytes 'ëë' so the file says UTF-8
    # but is not: the first read fails, the cp1252 retry succeeds.
    raw = (tmp_path / "e.sav").read_bytes().replace("ë".encode("utf-8"), b"\xeb\xeb")
    wave = read_wave(raw, "e.sav")
    assert wave.variables[0]["label"] == "Coëëfficiëënt"
    assert wave.variables[0]["value_labels"] == {1.0: "Geëëvalueerd", 2.0: "Niet"}
    assert wave.warnings == [
        "Bestand 'e.sav': de tekst in het bestand past niet bij de opgegeven tekenset; gelezen "
        "als cp1252. Controleer letters met accenten (ë, é) in labels en antwoorden."]


def test_truncated_sav_is_refused(tmp_path):
    raw = write_monitor_sav(tmp_path / "m.sav").read_bytes()
    for cut in (200, len(raw) - 20):
        with pytest.raises(ReadError) as excinfo:
            read_wave(raw[:cut], "meting2025.sav")
        assert message(excinfo).startswith(
            "Bestand 'meting2025.sav' is beschadigd of onvolledig en kan niet als SPSS-bestand "
            "worden gelezen (technische melding: ")


def test_sav_without_respondents_is_refused(tmp_path):
    frame = pd.DataFrame({"v1": pd.Series([], dtype=float)})
    pyreadstat.write_sav(frame, str(tmp_path / "leeg.sav"))
    with pytest.raises(ReadError) as excinfo:
        read_wave(tmp_path / "leeg.sav", "leeg.sav")
    assert message(excinfo) == "Bestand 'leeg.sav' bevat geen respondenten (0 rijen)."


def test_sav_named_csv_is_read_with_a_warning(tmp_path):
    raw = write_monitor_sav(tmp_path / "m.sav").read_bytes()
    wave = read_wave(raw, "meting.csv")
    assert wave.warnings == ["Bestand 'meting.csv' is een SPSS-bestand, geen CSV-bestand; het "
                             "is als SPSS-bestand gelezen."]
    assert len(wave.data) == 5


def test_csv_named_sav_is_refused():
    with pytest.raises(ReadError) as excinfo:
        read_wave(b"v1;v2\n1;2\n", "x.sav")
    assert message(excinfo) == "Bestand 'x.sav' is geen SPSS-bestand (het lijkt een CSV-bestand)."


def test_user_error_base_class():
    assert issubclass(ReadError, UserError)


# -- CSV ---------------------------------------------------------------------------------------

DUTCH_CSV = ("gemcode;v1;v2;opmerking;datum\r\n"
             "GM0014;7,5;1;Coördinatie loopt, dank;12-03-2025\r\n"
             "GM0034;8;2;;13-03-2025\r\n"
             "GM0037;;1;Veel overleg met de regio;14-3-2025\r\n"
             ";;;;\r\n")


def test_dutch_excel_csv_cp1252_semicolon_decimal_comma():
    wave = read_wave(DUTCH_CSV.encode("cp1252"), "meting.csv")
    assert wave.data["v1"].dtype == np.float64
    assert wave.data["v1"].tolist()[:2] == [7.5, 8.0] and np.isnan(wave.data["v1"].iloc[2])
    assert wave.data["opmerking"].tolist() == ["Coördinatie loopt, dank", None,
                                               "Veel overleg met de regio"]
    assert wave.data["datum"].tolist() == ["2025-03-12", "2025-03-13", "2025-03-14"]
    assert wave.data["gemcode"].tolist() == ["GM0014", "GM0034", "GM0037"]
    assert [v["name"] for v in wave.variables] == ["v1", "v2", "opmerking"]
    assert [v["type"] for v in wave.variables] == ["getal", "getal", "open"]
    assert wave.design_columns["unit"] == "gemcode"
    assert wave.design_columns["completed"] == "datum"
    assert wave.rows.tolist() == [2, 3, 4]
    assert wave.warnings == []


def test_csv_utf8_with_bom_and_comma_or_tab():
    comma = "\ufeffid,score,naam\n1,7.5,Ëlla\n2,8,Bob\n".encode("utf-8")
    wave = read_wave(comma, "a.csv")
    assert list(wave.data.columns) == ["id", "score", "naam"]
    assert wave.data["score"].tolist() == [7.5, 8.0]
    assert wave.data["naam"].tolist() == ["Ëlla", "Bob"]
    assert wave.design_columns["respondent"] == "id"
    tab = "v1\tv2\n1\t2,5\n3\t4\n".encode("utf-8")
    assert read_wave(tab, "a.tsv").data["v2"].tolist() == [2.5, 4.0]


def test_csv_utf16_from_excel_unicode_text():
    raw = "v1\tnaam\n1\tZoë\n2\tJoël\n".encode("utf-16")
    wave = read_wave(raw, "unicode.txt")
    assert wave.data["naam"].tolist() == ["Zoë", "Joël"]
    assert wave.data["v1"].tolist() == [1.0, 2.0]


def test_csv_single_column():
    wave = read_wave(b"cijfer\n7,5\n8\n", "c.csv")
    assert wave.data["cijfer"].tolist() == [7.5, 8.0]
    assert wave.variables[0]["type"] == "rapportcijfer"


def test_mostly_numeric_column_with_a_word_names_column_row_and_value():
    rows = "\n".join(f"{i};{i % 5 + 1}" for i in range(1, 13))
    text = f"id;v12\n{rows}\n13;abc\n14;3\n"
    with pytest.raises(ReadError) as excinfo:
        read_wave(text.encode(), "meting2025.csv")
    assert message(excinfo) == (
        "Bestand 'meting2025.csv', kolom 'v12': 'abc' is geen getal (rij 14).")


def test_several_bad_cells_are_counted():
    text = "v1\n" + "1\n" * 10 + "x\ny\n"
    with pytest.raises(ReadError) as excinfo:
        read_wave(text.encode(), "m.csv")
    assert message(excinfo) == ("Bestand 'm.csv', kolom 'v1': 'x' is geen getal (rij 12). In "
                                "deze kolom zijn nog 1 andere cellen geen getal.")


def test_mostly_text_column_is_an_open_answer():
    text = "v1;toelichting\n1;Goed\n2;5\n3;Matig, te weinig capaciteit\n"
    wave = read_wave(text.encode(), "m.csv")
    assert wave.data["toelichting"].tolist() == ["Goed", "5", "Matig, te weinig capaciteit"]
    assert by_name(wave)["toelichting"]["type"] == "open"


def test_a_text_column_with_few_answers_is_a_single_choice_question():
    rows = [("klein", "Twente", "Eens", "Prima samenwerking, geen klachten."),
            ("groot", "Twente", "Helemaal mee oneens", ""),
            ("klein", "Achterhoek", "Neutraal", "Te weinig mensen."),
            ("groot", "Twente", "Weet niet", ""),
            ("klein", "Achterhoek", "Eens", "Goed")]
    text = "v1;grootte;streek;stelling;toelichting\n" + "".join(
        f"{i};{';'.join(row)}\n" for i, row in enumerate(rows))
    wave = read_wave(text.encode(), "m.csv")
    variables = by_name(wave)
    # The texts are the answers, in their natural order (small to large, a scale from low to
    # high, else alphabetical); 'weet niet' is a missing code.
    assert {k: variables[k]["value_labels"] for k in ("grootte", "streek", "stelling")} == {
        "grootte": {1.0: "klein", 2.0: "groot"}, "streek": {1.0: "Achterhoek", 2.0: "Twente"},
        "stelling": {1.0: "Helemaal mee oneens", 2.0: "Neutraal", 3.0: "Eens",
                     4.0: "Weet niet"}}
    assert [variables[k]["type"] for k in ("grootte", "streek", "stelling", "toelichting")] == \
        ["enkelvoudig", "enkelvoudig", "enkelvoudig", "open"]
    assert variables["stelling"]["missing_codes"] == [4.0]
    assert wave.data["grootte"].tolist() == [1.0, 2.0, 1.0, 2.0, 1.0]
    # Sentences (and answers given once) stay open; the rule is stated and can be changed.
    assert readers.choice_rule(12).startswith("Een tekstkolom met hoogstens 12 verschillende "
                                              "korte antwoorden")
    assert readers.choice_rule(0) == "Tekstkolommen worden open vragen."
    closed = read_wave(text.encode(), "m.csv", choice_limit=2)
    assert [by_name(closed)[k]["type"] for k in ("grootte", "streek", "stelling")] == \
        ["enkelvoudig", "enkelvoudig", "open"]
    assert read_wave(text.encode(), "m.csv", choice_limit=0).data["grootte"].tolist()[:2] == \
        ["klein", "groot"]
    declared = read_wave(text.encode(), "m.csv", questionnaire=[{"name": "streek",
                                                                   "type": "open"}])
    assert by_name(declared)["streek"]["type"] == "open"
    # The analyst's choice in the preview: back to open text, or text to single choice.
    retyped = readers.retype(wave, {"grootte": "open", "toelichting": "enkelvoudig"})
    assert retyped.data["grootte"].tolist() == ["klein", "groot", "klein", "groot", "klein"]
    assert by_name(retyped)["grootte"]["value_labels"] == {}
    assert by_name(retyped)["toelichting"]["value_labels"] == {
        1.0: "Goed", 2.0: "Prima samenwerking, geen klachten.", 3.0: "Te weinig mensen."}
    with pytest.raises(ReadError, match="^Bestand 'm.csv', kolom 'toelichting': tekst kan geen "
                                        "type 'getal' hebben; kies enkelvoudig, likert of "
                                        "open.$"):
        readers.retype(wave, {"toelichting": "getal"})


def test_sav_text_codes_with_labels_are_answers(tmp_path):
    path = tmp_path / "regio.sav"
    pyreadstat.write_sav(pd.DataFrame({"v1": [1.0, 2.0, 3.0, 4.0], "regio": ["N", "Z", "N", "Z"]}),
                         str(path), variable_value_labels={"regio": {"N": "Noord", "Z": "Zuid"}})
    wave = read_wave(path, "regio.sav")
    var = by_name(wave)["regio"]
    assert (var["type"], var["value_labels"]) == ("enkelvoudig", {1.0: "Noord", 2.0: "Zuid"})
    assert wave.data["regio"].tolist() == [1.0, 2.0, 1.0, 2.0]
    assert wave.warnings == ["Kolom 'regio': tekstcodes met labels; de labels zijn als "
                             "antwoorden gelezen."]


def test_a_likert_scale_in_words_becomes_a_likert_question():
    answers = ["Tevreden", "Zeer ontevreden", "Ontevreden", "Neutraal", "Zeer tevreden",
               "Tevreden", "Neutraal"]
    wave = read_wave(("v1;tevreden\n" + "".join(f"{i};{a}\n" for i, a in
                                                enumerate(answers))).encode(), "m.csv")
    var = by_name(wave)["tevreden"]
    assert (var["type"], var["higher_is_better"]) == ("likert", True)
    assert list(var["value_labels"].values()) == ["Zeer ontevreden", "Ontevreden", "Neutraal",
                                                  "Tevreden", "Zeer tevreden"]


def test_questionnaire_open_keeps_a_mostly_numeric_column_as_text():
    text = "v1;postcode\n" + "".join(f"{i};{1000 + i}\n" for i in range(9)) + "9;1234 AB\n"
    with pytest.raises(ReadError):
        read_wave(text.encode(), "m.csv")
    entry = {"name": "postcode", "type": "open"}
    wave = read_wave(text.encode(), "m.csv", questionnaire=[entry])
    assert wave.data["postcode"].tolist()[-2:] == ["1008", "1234 AB"]
    assert by_name(wave)["postcode"]["type"] == "open"


@pytest.mark.parametrize("raw, expected", [
    (b"", "Bestand 'm.csv' is leeg."),
    (b"  \r\n\r\n", "Bestand 'm.csv' is leeg."),
    (b"v1;v2;v3\r\n", "Bestand 'm.csv' bevat alleen een kopregel en geen respondenten."),
    (b"v1;v2;v3\r\n;;\r\n\r\n", "Bestand 'm.csv' bevat alleen een kopregel en geen respondenten."),
    (b"v1;v2;v1\n1;2;3\n", "Bestand 'm.csv': de kolomnaam 'v1' komt 2 keer voor (kolom 1 en 3). "
                           "Geef elke kolom een eigen naam."),
    (b"v1;;v3\n1;2;3\n", "Bestand 'm.csv': kolom 2 heeft geen naam in de kopregel maar bevat "
                         "wel gegevens."),
    (b"v1;v2\n1;2\n3;4\n5;6;7\n", "Bestand 'm.csv': regel 4 heeft 3 velden, de kopregel 2. Staat "
                                  "er een scheidingsteken (';') in een antwoord zonder "
                                  "aanhalingstekens?"),
    (b'v1;v2\n1;"open\n', "Bestand 'm.csv': een aanhalingsteken vanaf regel 2 wordt nergens "
                          "gesloten."),
])
def test_bad_csv_is_refused(raw, expected):
    with pytest.raises(ReadError) as excinfo:
        read_wave(raw, "m.csv")
    assert message(excinfo) == expected


def test_nameless_empty_columns_are_dropped():
    wave = read_wave(b"v1;v2;;\n1;2;;\n3;4;;\n", "m.csv")
    assert list(wave.data.columns) == ["v1", "v2"]


def test_binary_noise_named_csv_is_refused():
    with pytest.raises(ReadError) as excinfo:
        read_wave(DATA / "ruis.csv", "ruis.csv")
    assert message(excinfo) == ("Bestand 'ruis.csv' is geen CSV-bestand: het bevat geen tekst "
                                "(het is beschadigd of heeft een onbekend formaat).")


def test_text_that_is_neither_utf8_nor_cp1252_is_refused():
    # 0x81 is undefined in cp1252 and invalid on its own in UTF-8
    with pytest.raises(ReadError) as excinfo:
        read_wave(b"v1;v2\n1;\x81\n", "m.csv")
    assert message(excinfo) == ("Bestand 'm.csv' bevat tekens die niet als UTF-8 of "
                                "Windows-1252 te lezen zijn (byte 9); het is geen leesbaar "
                                "CSV-bestand.")


def test_damaged_utf16_and_damaged_utf8_after_a_bom_are_refused():
    # Both were read as Windows-1252 garbage before; now refused like other undecodable bytes.
    with pytest.raises(ReadError) as excinfo:
        read_wave(b"\xff\xfe" + "v1;v2\n1;2\n".encode("utf-16-le") + b"\x00\xd8", "m.csv")
    assert message(excinfo) == ("Bestand 'm.csv' lijkt UTF-16-tekst maar is beschadigd (byte "
                                "23); het is geen leesbaar CSV-bestand.")
    with pytest.raises(ReadError) as excinfo:
        read_wave(b"\xef\xbb\xbfv1;v2\n1;\xff\n", "m.csv")
    assert message(excinfo) == ("Bestand 'm.csv' bevat tekens die niet als UTF-8 of "
                                "Windows-1252 te lezen zijn (byte 12); het is geen leesbaar "
                                "CSV-bestand.")


def test_numbers_with_both_marks_percent_and_thousands_dots():
    wave = read_wave("v1;v2;v3\n1.234,5;12%;1.500\n2,5;7 %;2.000\n".encode(), "m.csv")
    assert wave.data["v1"].tolist() == [1234.5, 2.5]
    assert wave.data["v2"].tolist() == [12.0, 7.0]
    assert wave.data["v3"].tolist() == [1500.0, 2000.0]


def test_empty_file_on_disk(tmp_path):
    (tmp_path / "leeg.sav").write_bytes(b"")
    with pytest.raises(ReadError) as excinfo:
        read_wave(tmp_path / "leeg.sav", "leeg.sav")
    assert message(excinfo) == "Bestand 'leeg.sav' is leeg."


def test_missing_file_and_too_large_file(tmp_path, monkeypatch):
    with pytest.raises(ReadError) as excinfo:
        read_wave(tmp_path / "weg.csv", "weg.csv")
    assert message(excinfo) == "Bestand 'weg.csv' bestaat niet of kan niet worden geopend."
    monkeypatch.setattr(readers.model, "MAX_BYTES", 10)
    (tmp_path / "groot.csv").write_bytes(b"v1\n" + b"1\n" * 2_000_000)
    for source in (tmp_path / "groot.csv", (tmp_path / "groot.csv").read_bytes()):
        with pytest.raises(ReadError) as excinfo:
            read_wave(source, "groot.csv")
        assert message(excinfo) == "Bestand 'groot.csv' is te groot (4 MB); het maximum is 0 MB."


# -- Excel -------------------------------------------------------------------------------------

def test_xlsx_with_a_questionnaire_sheet():
    raw = xlsx_bytes({
        "data": [["gemeentecode", "v1", "v2", "ingevuld", "toelichting"],
                 ["GM0014", 1, "7,5", dt.datetime(2025, 3, 1, 10, 0), "Prima"],
                 ["GM0034", 2, 8, dt.datetime(2025, 3, 2), None],
                 ["GM0037", 9, None, dt.datetime(2025, 3, 2), "  "]],
        "vragenlijst": [["naam", "label", "type", "waarden", "ontbrekend", "thema",
                         "hoger_is_beter"],
                        ["v1", "Samenwerking", "enkelvoudig", "1=Ja; 2=Nee; 9=Weet niet", 9,
                         "Samenwerking", "nee"],
                        ["v9", "Bestaat niet", None, None, None, None, None]]})
    wave = read_wave(raw, "meting.xlsx")
    assert wave.data["v1"].tolist() == [1.0, 2.0, 9.0]
    assert wave.data["v2"].tolist()[:2] == [7.5, 8.0]
    assert wave.data["ingevuld"].tolist() == ["2025-03-01T10:00:00", "2025-03-02T00:00:00",
                                              "2025-03-02T00:00:00"]
    assert wave.data["toelichting"].tolist() == ["Prima", None, None]
    assert by_name(wave)["v1"] == {
        "name": "v1", "label": "Samenwerking", "question": None, "type": "enkelvoudig",
        "value_labels": {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"}, "missing_codes": [9.0],
        "topic": "Samenwerking", "higher_is_better": False, "mr_set": None}
    assert wave.design_columns["unit"] == "gemeentecode"
    assert wave.design_columns["completed"] == "ingevuld"
    assert wave.warnings == ["Variabele 'v9' uit de vragenlijst staat niet in het databestand."]


def test_xlsx_bad_number_names_the_spreadsheet_row():
    rows = [["v1"]] + [[i] for i in range(1, 10)] + [["#DIV/0!"]]
    with pytest.raises(ReadError) as excinfo:
        read_wave(xlsx_bytes({"Blad1": rows}), "m.xlsx")
    assert message(excinfo) == "Bestand 'm.xlsx', kolom 'v1': '#DIV/0!' is geen getal (rij 11)."


def test_xlsx_header_only_and_empty_sheet():
    with pytest.raises(ReadError) as excinfo:
        read_wave(xlsx_bytes({"Blad1": [["v1", "v2"]]}), "m.xlsx")
    assert message(excinfo) == "Bestand 'm.xlsx' bevat alleen een kopregel en geen respondenten."
    with pytest.raises(ReadError) as excinfo:
        read_wave(xlsx_bytes({"Blad1": []}), "m.xlsx")
    assert message(excinfo) == ("Bestand 'm.xlsx' is leeg: het werkblad 'Blad1' bevat geen "
                                "gegevens.")


def test_xlsx_time_column_is_not_the_completion_date():
    raw = xlsx_bytes({"Blad1": [["v1", "duur"], [1, dt.time(0, 12)], [2, dt.time(0, 9, 30)]]})
    wave = read_wave(raw, "m.xlsx")
    assert wave.data["duur"].tolist() == ["00:12:00", "00:09:30"]
    assert wave.design_columns["completed"] is None
    assert [v["name"] for v in wave.variables] == ["v1"]


def test_xlsx_with_only_a_questionnaire_sheet():
    raw = xlsx_bytes({"vragenlijst": [["naam", "type"], ["v1", "getal"]]})
    with pytest.raises(ReadError) as excinfo:
        read_wave(raw, "m.xlsx")
    assert message(excinfo) == "Bestand 'm.xlsx' bevat alleen een vragenlijst en geen gegevens."


def test_xlsx_duplicate_columns():
    with pytest.raises(ReadError) as excinfo:
        read_wave(xlsx_bytes({"Blad1": [["v1", "v1"], [1, 2]]}), "m.xlsx")
    assert message(excinfo) == ("Bestand 'm.xlsx': de kolomnaam 'v1' komt 2 keer voor (kolom 1 "
                                "en 2). Geef elke kolom een eigen naam.")


def test_renamed_zip_truncated_xlsx_and_old_xls():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notities.txt", "geen werkmap")
    with pytest.raises(ReadError) as excinfo:
        read_wave(buffer.getvalue(), "m.xlsx")
    assert message(excinfo) == (
        "Bestand 'm.xlsx' is een ZIP-bestand maar geen Excel-werkmap (.xlsx).")
    with pytest.raises(ReadError) as excinfo:
        read_wave(buffer.getvalue(), "m.sav")
    assert message(excinfo) == "Bestand 'm.sav' is geen SPSS-bestand (het lijkt een ZIP-bestand)."
    raw = xlsx_bytes({"Blad1": [["v1"], [1]]})
    with pytest.raises(ReadError) as excinfo:
        read_wave(raw[: len(raw) // 2], "m.xlsx")
    assert message(excinfo) == ("Bestand 'm.xlsx' is beschadigd of onvolledig: het is geen "
                                "geldig Excel-bestand (.xlsx).")
    with pytest.raises(ReadError) as excinfo:
        read_wave(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "m.xls")
    assert message(excinfo) == ("Bestand 'm.xls' is een oud Excel-bestand (.xls) of een Excel-"
                                "bestand met een wachtwoord. Sla het in Excel op als .xlsx, "
                                "zonder wachtwoord.")


def test_xlsx_named_csv_is_read_and_csv_named_xlsx_refused():
    wave = read_wave(xlsx_bytes({"Blad1": [["v1"], [1], [2]]}), "m.csv")
    assert wave.warnings == ["Bestand 'm.csv' is een Excel-bestand, geen CSV-bestand; het is als "
                             "Excel-bestand gelezen."]
    with pytest.raises(ReadError) as excinfo:
        read_wave(b"v1;v2\n1;2\n", "m.xlsx")
    assert message(excinfo) == "Bestand 'm.xlsx' is geen Excel-bestand (het lijkt een CSV-bestand)."


def test_zip_bomb_is_refused(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 20_000_000)
    with pytest.raises(ReadError) as excinfo:
        read_wave(buffer.getvalue(), "bom.xlsx")
    assert message(excinfo).startswith("Bestand 'bom.xlsx' pakt uit tot 19 MB (")
    assert message(excinfo).endswith(" keer zo groot); zo'n bestand wordt uit voorzorg niet "
                                     "geopend.")
    monkeypatch.setattr(readers.excel, "MAX_UNZIPPED", 1000)
    with pytest.raises(ReadError) as excinfo:
        read_wave(xlsx_bytes({"Blad1": [["v1"], [1]]}), "m.xlsx")
    assert "wordt uit voorzorg niet geopend" in message(excinfo)


# -- questionnaire -----------------------------------------------------------------------------

def test_read_questionnaire_dutch_excel_csv():
    entries = read_questionnaire(DATA / "vragenlijst.csv", "vragenlijst.csv")
    assert [e["name"] for e in entries] == ["v1", "v2", "v3", "opmerking"]
    assert entries[0] == {
        "name": "v1", "label": "Samenwerking regio",
        "question": "Hoe verloopt de samenwerking in de regio?", "type": "likert",
        "value_labels": {1.0: "Zeer slecht", 2.0: "Slecht", 3.0: "Neutraal", 4.0: "Goed",
                         5.0: "Zeer goed", 9.0: "Weet niet"},
        "missing_codes": [9.0], "topic": "Samenwerking", "higher_is_better": True,
        "mr_set": None}
    assert entries[1]["label"] == "Coördinatie"
    assert entries[1]["missing_codes"] is None and entries[1]["higher_is_better"] is None
    assert entries[2]["missing_codes"] == [-1.0] and entries[2]["higher_is_better"] is False
    assert entries[2]["question"] is None


def test_read_questionnaire_from_xlsx_prefers_the_vragenlijst_sheet():
    raw = xlsx_bytes({"uitleg": [["Lees dit eerst"]],
                      "Vragenlijst": [["Naam", "Type", "Ontbrekend"],
                                      ["v1", "Getal", "97 t/m 99"]]})
    assert read_questionnaire(raw, "vl.xlsx") == [
        {"name": "v1", "label": None, "question": None, "type": "getal", "value_labels": None,
         "missing_codes": [97.0, 98.0, 99.0], "topic": None, "higher_is_better": None,
         "mr_set": None}]


@pytest.mark.parametrize("rows, expected", [
    ("naam;type\nv1;likert\nv3;schaal\n",
     "Bestand 'vl.csv', rij 3 (v3): onbekend type 'schaal'. Kies uit: enkelvoudig, meervoudig, "
     "likert, rapportcijfer, getal, open."),
    ("naam;hoger_is_beter\nv1;misschien\n",
     "Bestand 'vl.csv', rij 2 (v1): 'misschien' in de kolom 'hoger_is_beter' moet ja, nee of "
     "leeg zijn."),
    ('naam;waarden\nv1;"1=Ja; Nee"\n',
     "Bestand 'vl.csv', rij 2 (v1): 'Nee' in de kolom 'waarden' heeft niet de vorm code=label "
     "(bijvoorbeeld 1=Ja; 2=Nee)."),
    ("naam;ontbrekend\nv1;negen\n",
     "Bestand 'vl.csv', rij 2 (v1): 'negen' in de kolom 'ontbrekend' is geen code (een getal)."),
    ("variable;label\nv1;x\n",
     "Bestand 'vl.csv': de vragenlijst mist de kolom 'naam' (gevonden: variable, label)."),
    ("naam;label\nv1;a\nv1;b\n",
     "Bestand 'vl.csv', rij 3: variabele 'v1' staat al in rij 2."),
    ("naam;label\n;zonder naam\n", "Bestand 'vl.csv', rij 2: de kolom 'naam' is leeg."),
    ("naam;label\n", "Bestand 'vl.csv': de vragenlijst bevat alleen een kopregel en geen "
                     "variabelen."),
])
def test_bad_questionnaire_is_refused(rows, expected):
    with pytest.raises(ReadError) as excinfo:
        read_questionnaire(rows.encode(), "vl.csv")
    assert message(excinfo) == expected


def test_questionnaire_must_be_excel_or_csv(tmp_path):
    with pytest.raises(ReadError) as excinfo:
        read_questionnaire(write_monitor_sav(tmp_path / "m.sav"), "vl.sav")
    assert message(excinfo) == ("Bestand 'vl.sav' is geen vragenlijst: een vragenlijst moet een "
                                "Excel-bestand (.xlsx) of een CSV-bestand zijn, dit is een "
                                "SPSS-bestand.")


def test_apply_questionnaire_overrides_and_warns():
    data = ("v1;v2;v3;opmerking;extra\n1;1;12;Goed;15\n4;2;-1;;16\n6;1;7;Beter dan vorig jaar;17\n"
            "9;1;3;Matig;18\n")
    wave = read_wave(data.encode(), "m.csv")
    entries = read_questionnaire(DATA / "vragenlijst.csv", "vragenlijst.csv")
    result = apply_questionnaire(wave, entries + [{"name": "v7", "type": "getal"}])
    variables = by_name(result)
    assert variables["v1"]["type"] == "likert"
    assert variables["v1"]["missing_codes"] == [9.0]
    assert variables["v1"]["higher_is_better"] is True
    assert variables["v1"]["question"] == "Hoe verloopt de samenwerking in de regio?"
    assert variables["v2"]["type"] == "enkelvoudig" and variables["v2"]["topic"] == "Organisatie"
    assert variables["v3"]["missing_codes"] == [-1.0]
    assert variables["extra"]["type"] == "getal" and variables["extra"]["label"] == "extra"
    assert [v["name"] for v in result.variables] == ["v1", "v2", "v3", "opmerking", "extra"]
    assert result.warnings == ["Kolom 'v1': labels voor 2 van de 3 waarden.",
                               "Variabele 'v7' uit de vragenlijst staat niet in het "
                               "databestand."]
    # the wave itself is unchanged
    assert by_name(wave)["v1"]["type"] == "rapportcijfer"


def test_apply_questionnaire_type_must_fit_the_data():
    wave = read_wave("v1;toelichting\n3;Goed\n11;Slecht\n".encode(), "m.csv")
    with pytest.raises(ReadError) as excinfo:
        apply_questionnaire(wave, [{"name": "toelichting", "type": "getal"}])
    assert message(excinfo) == ("Bestand 'm.csv', kolom 'toelichting': type 'getal' uit de "
                                "vragenlijst past niet bij de gegevens: 'Goed' is geen getal "
                                "(rij 2).")
    with pytest.raises(ReadError) as excinfo:
        apply_questionnaire(wave, [{"name": "v1", "type": "rapportcijfer"}])
    assert message(excinfo) == ("Bestand 'm.csv', kolom 'v1': type 'rapportcijfer' uit de "
                                "vragenlijst past niet bij de gegevens: 11 ligt niet tussen 1 en "
                                "10 (rij 3).")
    fitted = apply_questionnaire(wave, [{"name": "v1", "type": "rapportcijfer",
                                         "missing_codes": [11]}])
    assert by_name(fitted)["v1"]["type"] == "rapportcijfer"


def test_apply_questionnaire_open_turns_numbers_into_text():
    wave = read_wave(b"v1;v2\n3;1\n7,5;2\n;3\n", "m.csv")
    result = apply_questionnaire(wave, [{"name": "v1", "type": "open"}])
    assert result.data["v1"].tolist() == ["3", "7.5", None]
    assert by_name(result)["v1"]["type"] == "open"


def test_apply_questionnaire_labels_without_type_infer_again():
    wave = read_wave(b"tevr;v2\n1;1\n2;2\n5;1\n", "m.csv")
    labels = {1: "Zeer ontevreden", 2: "Ontevreden", 3: "Neutraal", 4: "Tevreden",
              5: "Zeer tevreden"}
    variables = by_name(apply_questionnaire(wave, [{"name": "tevr", "value_labels": labels}]))
    assert variables["tevr"]["type"] == "likert"
    assert variables["tevr"]["higher_is_better"] is True
    assert variables["tevr"]["value_labels"] == {float(k): v for k, v in labels.items()}


def test_apply_questionnaire_makes_a_design_column_a_variable_too():
    wave = read_wave(b"gemeentecode;v1\nGM0014;1\nGM0034;2\n", "m.csv")
    result = apply_questionnaire(wave, [{"name": "gemeentecode", "label": "Gemeente"}])
    assert by_name(result)["gemeentecode"]["type"] == "open"
    assert result.design_columns["unit"] == "gemeentecode"


# -- type inference ----------------------------------------------------------------------------

@pytest.mark.parametrize("values, labels, label, expected", [
    (pd.Series(["Goed", "Matig", None], name="t"), {}, None, "open"),
    (pd.Series([1.0, 2.0, 1.0], name="v2"), {1: "Ja", 2: "Nee"}, None, "enkelvoudig"),
    (pd.Series([1.0, 2.0, 3.0, 3.0], name="v3"),
     {1: "Helemaal mee oneens", 2: "Mee oneens", 3: "Neutraal", 4: "Mee eens",
      5: "Helemaal mee eens", 9: "Weet niet / geen mening"}, None, "likert"),
    (pd.Series([1.0, 4.0], name="v4"),
     {1: "Nooit", 2: "Soms", 3: "Vaak", 4: "Altijd"}, None, "likert"),
    (pd.Series([2.0, 3.0], name="v5"),
     {1: "Helemaal niet belangrijk", 2: "Niet belangrijk", 3: "Belangrijk",
      4: "Heel belangrijk"}, None, "likert"),
    (pd.Series([1.0, 2.0], name="v6"),
     {1: "Ja, altijd", 2: "Ja, soms", 3: "Nee, nooit"}, None, "enkelvoudig"),
    (pd.Series([6.5, 8.0, 7.0], name="v7"), {}, "Rapportcijfer dienstverlening",
     "rapportcijfer"),
    (pd.Series([6.5, 8.0, 7.0], name="cijfer_wmo"), {}, None, "rapportcijfer"),
    (pd.Series([5.0, 8.0, 7.0, 10.0], name="v8"), {}, None, "rapportcijfer"),
    (pd.Series([5.0, 8.0, 1.0], name="v8b"), {1: "Zeer slecht", 10: "Uitstekend"}, None,
     "rapportcijfer"),
    (pd.Series([1.0, 7.0, 4.0], name="v9"), {}, None, "getal"),       # 1-7, no labels
    (pd.Series([3.0, 250.0], name="fte"), {}, None, "getal"),
    (pd.Series([0.5, 12.5], name="v10"), {}, None, "getal"),
    (pd.Series([3.0, 250.0, 17.0], name="v11"), {0: "Geen"}, None, "getal"),
    (pd.Series([0.0, 1.0], name="v12"), {0: "Niet genoemd", 1: "Genoemd"}, None,
     "meervoudig"),
    (pd.Series(["1", "2,5"], name="v13", dtype=object), {}, None, "getal"),
    (pd.Series([np.nan, np.nan], name="v14"), {1: "Ja", 2: "Nee"}, None, "enkelvoudig"),
])
def test_infer_type(values, labels, label, expected):
    assert infer_type(values, labels, label=label) == expected


def test_prefix_sets_need_0_1_and_genoemd_labels_not_ja_nee(tmp_path):
    frame = pd.DataFrame({"k_1": [1.0, 0.0], "k_2": [0.0, 0.0], "k_3": [1.0, 1.0],
                          "b_1": [1.0, 0.0], "b_2": [0.0, 1.0],
                          "c_1": [1.0, np.nan], "c_2": [np.nan, 1.0],
                          "d_1": [1.0, 2.0], "d_2": [0.0, 1.0], "e_1": [0.0, 1.0]})
    mentioned = {0: "Niet genoemd", 1: "Genoemd"}
    pyreadstat.write_sav(frame, str(tmp_path / "p.sav"), variable_value_labels={
        "k_1": mentioned, "k_2": mentioned, "k_3": mentioned,
        "b_1": {0: "Nee", 1: "Ja"}, "b_2": {0: "Nee", 1: "Ja"}})
    variables = by_name(read_wave(tmp_path / "p.sav", "p.sav"))
    assert {n: (v["type"], v["mr_set"]) for n, v in variables.items()} == {
        "k_1": ("meervoudig", "k"), "k_2": ("meervoudig", "k"), "k_3": ("meervoudig", "k"),
        "b_1": ("enkelvoudig", None), "b_2": ("enkelvoudig", None),
        "c_1": ("meervoudig", "c"), "c_2": ("meervoudig", "c"),
        "d_1": ("getal", None), "d_2": ("getal", None), "e_1": ("getal", None)}


def test_partial_labels_and_empty_column_warnings(tmp_path):
    frame = pd.DataFrame({"v3": [1.0, 2.0, 3.0, 4.0, 5.0, 1.0], "v4": [np.nan] * 6})
    pyreadstat.write_sav(frame, str(tmp_path / "w.sav"),
                         variable_value_labels={"v3": {1: "Auto", 2: "Fiets"}})
    wave = read_wave(tmp_path / "w.sav", "w.sav")
    assert by_name(wave)["v3"]["type"] == "getal"  # 2 of 5 labelled: not categories
    wave = apply_questionnaire(wave, [{"name": "v3", "type": "enkelvoudig"}])
    assert wave.warnings == ["Kolom 'v4' is leeg: niemand heeft deze vraag beantwoord.",
                             "Kolom 'v3': labels voor 2 van de 5 waarden."]


def test_variable_types_match_the_monitor_module():
    from research.survey import monitors
    assert readers.VARIABLE_TYPES == tuple(monitors.VARIABLE_TYPES)
