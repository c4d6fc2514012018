"""The survey command line: load a wave from SPSS with a frame, estimate with design flags,
stapeling on the shipped Amsterdam tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from research.cli import main
from research.config import DATA_DIR


@pytest.fixture
def cli(db_path, capsys):
    def run(*args):
        status = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        return status, out, err
    main(["--db", str(db_path), "init"])
    capsys.readouterr()
    return run


@pytest.fixture
def files(tmp_path):
    """A frame of six municipalities and a wave of four answers as SPSS."""
    frame = tmp_path / "kader.csv"
    frame.write_text("code;naam;regio;grootteklasse\nG1;Aadorp;Noord;klein\nG2;Beek;Noord;groot\n"
                     "G3;Cromhout;Zuid;klein\nG4;Dalwijk;Zuid;groot\nG5;Eemdam;Zuid;klein\n"
                     "G6;Finsterwolde;Noord;klein\n", encoding="cp1252")
    wave = tmp_path / "meting.sav"
    data = pd.DataFrame({"gemeentecode": ["G1", "G2", "G3", "G4"], "gewicht": [1.0, 2.0, 1.0, 2.0],
                         "tevreden": [1.0, 2.0, 1.0, 9.0], "cijfer": [6.0, 8.0, 7.0, 9.0]})
    pyreadstat.write_sav(data, str(wave),
                         column_labels={"tevreden": "Tevreden", "cijfer": "Rapportcijfer"},
                         variable_value_labels={"tevreden": {1: "Ja", 2: "Nee", 9: "Weet niet"}},
                         missing_ranges={"tevreden": [9]})
    return frame, wave


def test_load_then_estimate(cli, files):
    frame, wave = files
    status, out, err = cli("survey", "load", str(wave), "--monitor", "Test", "--wave", "2026",
                           "--year", "2026", "--frame", str(frame), "--create", "gemeente",
                           "--json")
    assert (status, err) == (0, "")
    loaded = json.loads(out)
    # Two answers and a mean, for the total and two groups of region and of size class.
    assert (loaded["wave"], loaded["respondents"], loaded["results"]) == ("2026", 4, 15)
    status, out, err = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026",
                           "--var", "cijfer", "--json")
    result = json.loads(out)
    assert result["design"] == "Gewogen met het gewicht uit het bestand."
    row = result["rows"][0]
    assert (row["group"], row["estimate"], row["n"], row["neff"], row["suppressed"]) == (
        "Totaal", 7.833333333333333, 4, 3.6, True)
    status, out, _ = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026",
                         "--var", "tevreden", "--by", "region", "--json")
    rows = json.loads(out)["rows"]
    assert [(r["group"], r["label"], r["estimate"], r["n"]) for r in rows] == [
        ("Noord", "Ja", 1 / 3, 2), ("Zuid", "Ja", 1.0, 1),
        ("Noord", "Nee", 2 / 3, 2), ("Zuid", "Nee", 0.0, 1)]


def test_estimate_design_flags_override_the_monitor(cli, files):
    frame, wave = files
    cli("survey", "load", str(wave), "--monitor", "Test", "--wave", "2026", "--frame",
        str(frame), "--create", "gemeente")
    _, plain, _ = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026", "--var",
                      "cijfer", "--strata", "region", "--json")
    _, corrected, _ = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026", "--var",
                          "cijfer", "--strata", "region", "--fpc", "kader", "--json")
    plain, corrected = json.loads(plain), json.loads(corrected)
    assert corrected["design"] == ("Gewogen met het gewicht uit het bestand; strata: regio; "
                                   "eindige-populatiecorrectie met het steekproefkader.")
    assert corrected["rows"][0]["estimate"] == plain["rows"][0]["estimate"]
    assert corrected["rows"][0]["se"] < plain["rows"][0]["se"]


def test_a_text_column_of_a_csv_is_a_breakdown(cli, files, tmp_path):
    """'groot'/'klein' and a region's name in a CSV were open answers, and --by refused them
    as well as the Dutch name of a frame attribute."""
    frame, _ = files
    wave = tmp_path / "meting.csv"
    wave.write_text("gemeentecode;grootte;streek;cijfer;opmerking\n"
                    "G1;klein;Twente;6;Prima samenwerking met de regio.\n"
                    "G2;groot;Twente;8;\n"
                    "G3;klein;Achterhoek;7;Te weinig mensen voor het werk.\n"
                    "G4;groot;Achterhoek;9;\n"
                    "G5;klein;Twente;5;\n", encoding="utf-8")
    status, out, err = cli("survey", "load", str(wave), "--monitor", "Test", "--wave", "2026",
                           "--frame", str(frame), "--create", "gemeente", "--json")
    assert (status, err) == (0, "")
    status, out, err = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026",
                           "--var", "cijfer", "--by", "grootte", "--weight", "geen", "--json")
    assert (status, err) == (0, "")
    rows = json.loads(out)["rows"]
    # 'klein' before 'groot': the texts in their natural order are the groups.
    assert [(r["group"], r["statistic"], r["estimate"], r["n"]) for r in rows] == [
        ("klein", "gemiddelde", 6.0, 3), ("groot", "gemiddelde", 8.5, 2)]
    _, out, _ = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026", "--var",
                    "grootte", "--json")
    assert [(r["label"], r["estimate"]) for r in json.loads(out)["rows"]] == [
        ("klein", 0.6), ("groot", 0.4)]
    # The Dutch and the code names of the frame's attributes.
    for by in ("grootteklasse", "size_class", "Regio"):
        status, out, err = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026",
                               "--var", "cijfer", "--by", by, "--weight", "geen", "--json")
        assert (status, err) == (0, ""), by
    assert [r["group"] for r in json.loads(out)["rows"]] == ["Noord", "Zuid"]
    status, _, err = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026", "--var",
                         "cijfer", "--by", "gemeente")
    assert (status, err) == (1, "Fout: Uitsplitsen kan naar regio, grootteklasse, grootte of "
                                "streek; 'gemeente' is geen van die.\n")
    status, _, err = cli("survey", "estimate", "--monitor", "Test", "--wave", "2026", "--var",
                         "grootte", "--by", "opmerking")
    assert err == ("Fout: Uitsplitsen kan naar regio, grootteklasse, grootte of streek; "
                   "'opmerking' is geen keuzevraag (Open antwoord).\n")


def test_design_flags_take_any_column_and_two_stages(cli, tmp_path):
    """R: svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2);
    svymean(~api00, dclus2) = 670.81, SE 30.099."""
    api = pd.read_csv(Path(__file__).parent / "data" / "apiclus2.csv")
    path = tmp_path / "apiclus2.csv"
    api.to_csv(path, index=False)
    status, _, err = cli("survey", "load", str(path), "--monitor", "Scholen", "--wave", "2000",
                         "--create", "gebied")
    assert (status, err) == (0, "")
    for flags in (["--psu", "dnum", "--ssu", "snum", "--fpc", "fpc1", "--fpc2", "fpc2"],
                  ["--psu", "dnum+snum", "--fpc", "fpc1+fpc2"]):
        status, out, err = cli("survey", "estimate", "--monitor", "Scholen", "--wave", "2000",
                               "--var", "api00", "--weight", "pw", *flags, "--json")
        assert (status, err) == (0, "")
        result = json.loads(out)
        assert result["design"] == ("Gewogen met 'pw'; clusters: 'dnum'; eindige-"
                                    "populatiecorrectie: 'fpc1'; tweede trap: 'snum'; populatie "
                                    "per cluster: 'fpc2'.")
        mean = result["rows"][0]
        assert (round(mean["estimate"], 2), round(mean["se"], 3)) == (670.81, 30.099)
    # Strata from an ordinary column (stype: a text column, now a question).
    status, out, err = cli("survey", "estimate", "--monitor", "Scholen", "--wave", "2000",
                           "--var", "api00", "--weight", "pw", "--strata", "stype", "--json")
    assert (status, err) == (0, "")
    assert json.loads(out)["design"] == "Gewogen met 'pw'; strata: 'stype'."
    status, _, err = cli("survey", "estimate", "--monitor", "Scholen", "--wave", "2000",
                         "--var", "api00", "--weight", "gw")
    assert err == ("Fout: Ontwerp: kolom 'gw' (gewicht) bestaat niet in deze meting. Gebruik "
                   "een vraag van de meting of een ontwerpveld (gewicht, stratum, psu, fpc, "
                   "unit, regio, grootteklasse, provincie).\n")
    status, _, err = cli("survey", "estimate", "--monitor", "Scholen", "--wave", "2000",
                         "--var", "api00", "--psu", "dnum+snum", "--ssu", "snum")
    assert status == 1 and err.startswith("Fout: --psu neemt één kolom of twee met een plus")


def test_errors_are_dutch_and_exit_1(cli, files, tmp_path):
    frame, wave = files
    status, out, err = cli("survey", "load", str(wave), "--monitor", "Bestaat niet", "--wave",
                           "2026")
    assert (status, out, err) == (1, "", "Fout: Er is geen monitor 'Bestaat niet'.\n")
    fake = tmp_path / "meting.sav"
    fake.write_text("dit is geen spss", encoding="utf-8")
    status, _, err = cli("survey", "load", str(fake), "--monitor", "Test", "--wave", "2026",
                         "--create", "gemeente")
    assert status == 1 and err.startswith("Fout: Bestand 'meting.sav'")
    zero = tmp_path / "nul.csv"
    zero.write_text("gemeentecode;gewicht;cijfer\nG1;1,5;7\nG2;-1;8\nG3;2;6\n", encoding="utf-8")
    status, _, err = cli("survey", "load", str(zero), "--monitor", "Test", "--wave", "2027",
                         "--frame", str(frame))
    assert (status, err) == (1, "Fout: Bestand 'nul.csv': Kolom 'gewicht': 1 rij heeft een "
                                "gewicht van 0 of minder (eerste: rij 2). Gewichten moeten "
                                "groter dan 0 zijn.\n")
    status, _, err = cli("survey", "estimate", "--monitor", "Test", "--wave", "2030", "--var", "x")
    assert (status, err) == (1, "Fout: Deze monitor heeft geen meting '2030'.\n")


def test_stapeling_on_the_amsterdam_tables(cli, tmp_path):
    data = DATA_DIR / "amsterdam" / "gebieden_indicatoren.csv"
    meta = DATA_DIR / "amsterdam" / "indicatoren_meta.csv"
    status, out, _ = cli("survey", "stapeling", "--data", str(data), "--meta", str(meta),
                         "--json")
    result = json.loads(out)
    assert status == 0
    assert result["rule"].startswith("Referentie: ongewogen gemiddelde van 23 gebieden")
    by_area = {a["area"]: a for a in result["areas"]}
    assert by_area["Geuzenveld/Slotermeer"]["unfavourable"] == 9
    assert by_area["Weesp, Driemond"]["measured"] == 8
    reference = tmp_path / "stad.csv"
    reference.write_text("indicator,referentie\n" + "\n".join(
        f"{name},{value}" for name, value in [
            ("tevredenheid_buurt_cijfer", 7.5), ("veilig_avond_cijfer", 7.2),
            ("gezondheid_goed_pct", 72), ("geen_startkwalificatie_18_22_pct", 9),
            ("moeilijk_rondkomen_pct", 37), ("wil_verhuizen_geen_mogelijkheid_pct", 20),
            ("aanbod_ov_cijfer", 7.5), ("interesse_politiek_pct", 62),
            ("gelukkig_pct", 63)]), encoding="utf-8")
    status, out, _ = cli("survey", "stapeling", "--data", str(data), "--meta", str(meta),
                         "--reference", str(reference), "--json")
    assert json.loads(out)["rule"].startswith("Referentie: opgegeven")
