"""The benchmark harness (research.bench): one smoke run at scale S through the command line,
checking the shape of what it reports, never a time; and its pure parts (scales, selection,
growth exponents, invented data, the report)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from research.bench import growth, invent, report, run, scales
from research.bench.measure import Record, Timing, record
from research.cli import main

RECORD_KEYS = {"name", "scale", "seconds", "baseline_seconds", "ratio", "target_seconds",
               "meets"}
SMOKE = ["qual.code_view_page", "qual.apply_code", "tracker.log_question", "tracker.similar",
         "cli.startup"]
# Operations that report more than one record, and the records they report.
MORE = {"tracker.similar": ["tracker.similar", "tracker.similar_p95", "tracker.similar_first"],
        "cli.startup": ["cli.startup.help", "cli.startup.tracker_add"]}


@pytest.fixture
def cli(db_path, capsys):
    """Run `python -m research --db <db_path> ...`; returns (status, stdout, stderr)."""

    def call(*args):
        status = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return call


@pytest.mark.slow  # 15 s: the whole harness at S; `make test` runs it
def test_smoke_run_at_scale_s(cli, tmp_path):
    out_dir = tmp_path / "uit"
    status, out, err = cli("bench", "--scale", "S", "--only", ",".join(SMOKE), "--json",
                           "--out", str(out_dir))
    assert status == 0, err
    document = json.loads(out)
    assert document["scales"] == ["S"]
    assert {r["name"] for r in document["records"]} == {
        name for operation in SMOKE for name in MORE.get(operation, [operation])}
    for r in document["records"]:
        assert RECORD_KEYS <= set(r), r
        assert r["scale"] == "S"
        assert r["seconds"] > 0 and r["baseline_seconds"] > 0 and r["ratio"] > 0
        low, high = r["spread_seconds"]
        assert low <= r["seconds"] <= high
        if r["target_seconds"] is None:
            assert r["meets"] is None
        else:
            assert r["meets"] is (r["seconds"] <= r["target_seconds"])
        assert r["size"] > 0 and r["runs"] >= 3 and r["peak_rss_mb"] > 0
    # One scale: nothing to fit a growth exponent on; quality was not asked for.
    assert (document["growth"], document["quality"]) == ({}, [])
    # The run's peak is the largest of the peaks measured per operation and per build.
    assert document["peak_rss_mb"] >= max(
        [r["peak_rss_mb"] for r in document["records"]]
        + [b["peak_rss_mb"] for b in document["builds"]])
    assert document["machine"]["cores"] >= 1
    written = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    assert written["records"] == document["records"]
    markdown = (out_dir / "RESULTS.md").read_text(encoding="utf-8")
    assert "| bewerking | schaal | seconden (mediaan) |" in markdown
    assert "| qual.apply_code | S |" in markdown


def test_unknown_scale_or_operation_is_one_dutch_line(cli):
    status, out, err = cli("bench", "--scale", "XL")
    assert (status, out) == (1, "")
    assert err == "Fout: Onbekende schaal 'XL'; kies S, M of L (bijvoorbeeld S,M).\n"
    status, out, err = cli("bench", "--scale", "S", "--only", "qual.zoeken")
    assert (status, out) == (1, "")
    assert err.startswith("Fout: Onbekende bewerking: qual.zoeken. Kies uit: qual.import")


def test_scales_and_selection():
    assert [s.name for s in scales.parse("l, s")] == ["S", "L"]
    m = scales.SCALES["M"]
    # The sizes the promises name are those of M.
    assert (m.transcripts * m.words_per_transcript, m.respondents, m.questions) == (
        2_000_000, 100_000, 20_000)
    assert (m.codes, m.codings, m.focus_words, m.focus_codings) == (300, 100_000, 25_000, 1_000)
    assert run.select("qual.search,tracker") == ["qual.search", "tracker.log_question",
                                                 "tracker.similar", "tracker.quality"]
    assert run.select(None) == run.NAMES
    with pytest.raises(run.BenchError):
        run.select("survey.snel")


def test_growth_exponent_is_the_log_log_slope():
    def made(scale, size, seconds, unit="s"):
        return Record(name="x", scale=scale, seconds=seconds, baseline_seconds=None,
                      ratio=None, target_seconds=None, meets=None, unit=unit, size=size)

    linear = [made("S", 10, 0.1), made("M", 100, 1.0), made("L", 1000, 10.0)]
    found = growth.exponents(linear)["x"]
    assert found["exponent"] == 1.0 and found["all_scales"]
    square = [made("S", 10, 0.01), made("M", 100, 1.0)]
    assert growth.exponents(square)["x"]["exponent"] == 2.0
    assert growth.exponents(square)["x"]["all_scales"] is False
    # Per-million figures are turned back into the seconds of a batch before fitting.
    constant_rate = [made("S", 10_000, 5.0, growth.PER_MILLION),
                     made("M", 100_000, 5.0, growth.PER_MILLION)]
    assert growth.exponents(constant_rate)["x"]["exponent"] == 1.0
    assert growth.exponents([made("S", 10, 0.1)]) == {}


def test_record_ratio_target_and_spread():
    r = record("x", "M", Timing([0.3, 0.1, 0.2]), Timing([0.05, 0.1, 0.1]), 0.15,
               size=1, size_unit="iets")
    assert (r.seconds, r.baseline_seconds, r.ratio, r.meets) == (0.2, 0.1, 2.0, False)
    assert (r.spread_seconds, r.runs) == ([0.1, 0.3], 3)
    assert "| x | M | 0.20 | 0.10–0.30 | 0.10 | 2.0 | 0.15 | **nee** |" in report.table([r])


def test_invented_data_are_seeded_and_look_dutch():
    first = invent.interview(np.random.default_rng(1), 0, 500)
    assert first == invent.interview(np.random.default_rng(1), 0, 500)
    text = first[1].decode("utf-8")
    assert text.startswith("Interviewer: ")
    assert len(text.split()) > 450
    assert invent.questions(5) == invent.questions(5)
    names = [name for name, _ in invent.code_names(300)]
    assert len(names) == len(set(names)) == 300
    assert len({u["region"] for u in invent.frame_units(25)}) == 25
