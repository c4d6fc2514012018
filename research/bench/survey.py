"""The monitor at scale: a frame of buurten in 25 gebieden, an earlier wave and the wave that
is measured (respondents x 50 indicators), a .sav file of 300 columns; then the promised
operations beside a bare pandas groupby, svy and pyreadstat."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

from research import accounts
from research.accounts import SYSTEM_USER, User
from research.bench import invent
from research.bench.context import Context
from research.bench.measure import Record, Timing, record, reset_peak, timed
from research.survey import intake, monitors, results, waves
from research.ui import page_runs

TARGETS = {"survey.results_page": 0.3, "survey.sav_load": 15.0}
# The results store: 0.9 s at M (and S), 10 s and 2 GB at L (1,000,000 respondents); and at
# least SVY_SPEEDUP times faster than svy on the same design in the same run.
RESULTS_TARGETS = {"S": 0.9, "M": 0.9, "L": 10.0}
SVY_SPEEDUP = 20
SVY_SHARE = 2          # indicators timed with svy; the figure is scaled to the whole table


@dataclass
class SurveyData:
    """What the build made, for the operations."""

    analyst: User
    monitor_id: int
    wave_id: int
    specs: list[dict]
    data: pd.DataFrame          # the measured wave as generated, with its region added
    sav_monitor_id: int
    sav_path: Path
    build_seconds: float = 0.0


def _monitor(ctx: Context, analyst: User, name: str, units: list[dict]) -> int:
    monitor_id = monitors.create_monitor(ctx.store, analyst, name, "persoon",
                                         "Verzonnen gegevens voor de benchmark.",
                                         design={"strata": "region"})
    monitors.set_frame(ctx.store, analyst, monitor_id, units)
    return monitor_id


def _sav(folder: Path, units: list[dict], rows: int, columns: int) -> Path:
    """A .sav file of rows x columns: unit, completion date, weight and questions with
    variable and value labels and 'weet niet' as a user-missing code."""
    specs = invent.variables(columns - 3)
    data = invent.wave(units, specs, rows, invent.SEED + 30)
    path = folder / f"meting_{rows}.sav"
    pyreadstat.write_sav(
        data, str(path),
        column_labels={s["name"]: s["label"] for s in specs},
        variable_value_labels={s["name"]: {float(k): v for k, v in s["value_labels"].items()}
                               for s in specs if s.get("value_labels")},
        missing_ranges={s["name"]: [9.0] for s in specs if s.get("missing_codes")})
    return path


def build(ctx: Context) -> SurveyData:
    """The monitor with its frame, an earlier wave (a tenth of the size), the measured wave
    with its results, and the .sav file with a monitor to load it into."""
    started = time.perf_counter()
    scale = ctx.scale
    analyst = accounts.create_user(ctx.store, SYSTEM_USER, "anouk", "analist",
                                   secrets.token_urlsafe(16), display_name="Anouk")
    units = invent.frame_units(scale.areas)
    monitor_id = _monitor(ctx, analyst, "Gebiedsmonitor (benchmark)", units)
    specs = invent.variables(scale.indicators)
    earlier = invent.wave(units, specs, max(1000, scale.respondents // 10), invent.SEED + 20)
    earlier_id = waves.import_wave(ctx.store, analyst, monitor_id, "2025", 2025, specs, earlier)
    results.compute(ctx.store, analyst, earlier_id)
    data = invent.wave(units, specs, scale.respondents, invent.SEED + 21)
    wave_id = waves.import_wave(ctx.store, analyst, monitor_id, "2026", 2026, specs, data)
    results.compute(ctx.store, analyst, wave_id)
    region = {u["code"]: u["region"] for u in units}
    size_class = {u["code"]: u["size_class"] for u in units}
    data = data.assign(region=data["eenheid"].map(region),
                       size_class=data["eenheid"].map(size_class))
    sav_monitor = _monitor(ctx, analyst, "Meting laden (benchmark)", units)
    sav_path = _sav(ctx.folder, units, scale.sav_rows, scale.sav_columns)
    return SurveyData(analyst, monitor_id, wave_id, specs, data, sav_monitor, sav_path,
                      time.perf_counter() - started)


# -- the operations ---------------------------------------------------------------------------

def _pandas_groupby(frame: pd.DataFrame, names: list[str]) -> None:
    frame.groupby("region")[names].mean()


def results_table(ctx: Context, data: SurveyData) -> list[Record]:
    """Every indicator x breakdown x group with standard errors, into the results store.

    The pandas baseline runs first and the peak memory is reset after it, so that the peak of
    this measurement is that of the results store (besides the invented wave the benchmark
    holds); svy runs in a process of its own for the same reason (its frames stay resident
    after it returns, 2 GB at L)."""
    names = [s["name"] for s in data.specs]
    base = ctx.timed(lambda: _pandas_groupby(data.data, names), warmup=1)
    reset_peak()
    timing = ctx.timed(lambda: results.compute(ctx.store, data.analyst, data.wave_id))
    rows = ctx.store.value("SELECT count(*) FROM results WHERE wave_id = ?", [data.wave_id])
    made = [record("survey.results", ctx.scale.name, timing, base,
                   RESULTS_TARGETS[ctx.scale.name],
                   size=ctx.scale.respondents, size_unit="respondenten",
                   baseline="kale pandas groupby-gemiddelde van dezelfde indicatoren per gebied",
                   note=f"{ctx.scale.respondents:,} respondenten x {len(names)} indicatoren, "
                        f"totaal + {ctx.scale.areas} gebieden + grootteklasse; strata = gebied; "
                        f"{rows:,} cijfers met SE, interval, n, neff en toets tegen de rest")]
    svy_timing = _svy_timing(ctx, data)
    if svy_timing is not None:
        scale_up = len(names) / SVY_SHARE
        whole_table = Timing([s * scale_up for s in svy_timing.seconds])
        # No size: the same timing as survey.results, so no growth exponent of its own.
        # The target is svy's own time divided by the promised speed-up.
        made.append(record(
            "survey.results_svy", ctx.scale.name, timing, whole_table,
            round(whole_table.median / SVY_SPEEDUP, 4), size=None, size_unit="respondenten",
            baseline=f"svy voor dezelfde schattingen: {SVY_SHARE} indicatoren gemeten, "
                     f"x {scale_up:g} naar de hele tabel",
            note=_svy_note(svy_timing, len(names))))
    return made


def _svy_note(timing: Timing, indicators: int) -> str:
    per = timing.median / SVY_SHARE
    return (f"svy {_svy_version()}: Sample(stratum=gebied, wgt=gewicht) en per uitsplitsing "
            "(totaal, gebied, grootteklasse) estimation.prop van een stelling (5 categorieën, "
            "'weet niet' leeg) en estimation.mean van een rapportcijfer, drop_nulls; "
            f"{per:.2f} s per indicator, x {indicators} indicatoren; zonder de toets tegen de "
            "rest die results.compute er ook bij maakt")


def _svy_version() -> str:
    import svy

    return getattr(svy, "__version__", "?")


def _svy_timing(ctx: Context, data: SurveyData) -> Timing | None:
    """svy on SVY_SHARE indicators (a Likert statement and a report mark), all breakdowns;
    None when svy (a development dependency) is not installed.

    The frame goes to a Parquet file and svy is timed in a child process (`_svy_child`),
    with this scale's runs and budget: the same work on the same data as in this process,
    without leaving svy's memory in the benchmark's."""
    try:
        import polars as pl
        import svy  # noqa: F401
    except ImportError:
        ctx.notes.append("svy is niet geïnstalleerd: geen vergelijking met svy.")
        return None
    likert = next(s["name"] for s in data.specs if s["type"] == "likert")
    mark = next(s["name"] for s in data.specs if s["type"] == "rapportcijfer")
    frame = pl.from_pandas(data.data[["region", "size_class", "gewicht", likert, mark]]
                           .assign(**{likert: data.data[likert].where(data.data[likert] != 9)}))
    path = ctx.folder / "svy.parquet"
    frame.with_columns(pl.col(pl.Float64).fill_nan(None)).write_parquet(path)
    del frame
    runs = ctx.scale.runs
    settings = {"path": str(path), "likert": likert, "mark": mark, "runs": runs,
                "min_runs": min(runs, ctx.scale.min_runs), "budget": ctx.scale.budget}
    done = subprocess.run([sys.executable, "-c", "import sys; from research.bench.survey "
                           "import _svy_child; _svy_child(sys.argv[1])", json.dumps(settings)],
                          capture_output=True, text=True, check=False)
    path.unlink()
    if done.returncode != 0:
        raise RuntimeError(f"svy faalde:\n{done.stderr}")
    return Timing(json.loads(done.stdout.strip().splitlines()[-1]))


def _svy_child(settings: str) -> None:
    """In the child process: time svy as `_svy_timing` describes; the seconds of each run
    on the last line of standard output."""
    import polars as pl
    import svy

    given = json.loads(settings)
    frame = pl.read_parquet(given["path"])
    likert, mark = given["likert"], given["mark"]

    def run() -> None:
        sample = svy.Sample(frame, svy.Design(stratum="region", wgt="gewicht"))
        for by in (None, "region", "size_class"):
            sample.estimation.prop(likert, by=by, drop_nulls=True)
            sample.estimation.mean(mark, by=by, drop_nulls=True)

    timing = timed(run, given["runs"], min_runs=given["min_runs"], budget=given["budget"])
    print(json.dumps(timing.seconds))


def results_page(ctx: Context, data: SurveyData) -> list[Record]:
    """The results page opened on a statement broken down by the 25 gebieden."""
    likert = next(v["id"] for v in monitors.variables(ctx.store, data.analyst, data.monitor_id)
                  if v["type"] == "likert")
    query = {"monitor": data.monitor_id, "meting": data.wave_id, "vraag": likert,
             "naar": "region"}
    with page_runs.database(ctx.path):
        timing = page_runs.time_page(page_runs.page("survey_results.py"), data.analyst.id,
                                 ctx.scale.runs, query=query, min_runs=ctx.scale.min_runs,
                                 budget=ctx.scale.budget)
        blank = page_runs.time_blank(ctx.folder, ctx.scale.runs)
    return [record("survey.results_page", ctx.scale.name, timing, blank,
                   TARGETS["survey.results_page"], size=ctx.scale.respondents,
                   size_unit="respondenten", baseline="AppTest van een lege pagina",
                   note=f"Resultaten: een stelling naar {ctx.scale.areas} gebieden, "
                        "tabblad Tabel met kruistabel, grafiek en downloadknoppen (de andere "
                        "tabbladen draaien pas als ze geopend worden)")]


def sav_load(ctx: Context, data: SurveyData) -> list[Record]:
    """A .sav read and stored as a wave (`intake.read` + `intake.load`), and then, apart, the
    results store of all its questions computed (`results.compute`), as the load page does."""
    loaded: list[int] = []
    counter = iter(range(1, 1000))

    def setup() -> None:
        for wave_id in loaded:
            waves.delete_wave(ctx.store, data.analyst, wave_id)
        loaded.clear()

    def run() -> None:
        wave = intake.read(data.sav_path, data.sav_path.name)
        wave_id, _ = intake.load(ctx.store, data.analyst, data.sav_monitor_id,
                                 f"laden {next(counter)}", 2026, wave, source=data.sav_path.name,
                                 compute=False)
        loaded.append(wave_id)

    timing = ctx.timed(run, setup=setup)
    computing = ctx.timed(lambda: results.compute(ctx.store, data.analyst, loaded[-1]),
                          runs=min(ctx.scale.runs, 3))
    setup()
    base = ctx.timed(lambda: pyreadstat.read_sav(str(data.sav_path), user_missing=True))
    megabytes = data.sav_path.stat().st_size / 1024 ** 2
    size = f"{ctx.scale.sav_rows:,} x {ctx.scale.sav_columns} .sav ({megabytes:.0f} MB)"
    return [record("survey.sav_load", ctx.scale.name, timing, base, TARGETS["survey.sav_load"],
                   size=ctx.scale.sav_rows, size_unit="respondenten in het bestand",
                   baseline="pyreadstat.read_sav alleen",
                   note=f"{size}: lezen, controleren en als meting opslaan (één transactie)"),
            record("survey.sav_results", ctx.scale.name, computing, base, None,
                   size=ctx.scale.sav_rows, size_unit="respondenten in het bestand",
                   baseline="pyreadstat.read_sav alleen",
                   note=f"{size}: daarna de resultatentabel van alle "
                        f"{ctx.scale.sav_columns - 3} vragen (geen belofte; de belofte voor "
                        "de resultatentabel is survey.results)")]


OPERATIONS = {"survey.results": results_table, "survey.results_page": results_page,
              "survey.sav_load": sav_load}
