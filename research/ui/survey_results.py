"""Monitor: weighted results per question, by a breakdown, with intervals, tests, the trend
across waves and a municipality's benchmark. Filters stay in the URL."""

import streamlit as st

from research import worker
from research.accounts import can
from research.survey import charts, invitations, monitors, report, results, tables
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Resultaten")

monitor_id = widgets.pick_monitor(store, user)
wave = widgets.pick_wave(store, user, monitor_id)
online = invitations.open_fieldwork(store, user, wave["id"])
if online is not None:
    st.info(f"Meting {shell.plain(wave['label'])} is nog in het veldwerk (tot en met "
            f"{shell.dutch_date(online['closes_on'])}): de resultaten volgen als het veldwerk "
            "sluit. De respons staat onder Respons.")
    st.stop()
run = results.run(store, user, wave["id"])
if run is None:
    st.info(f"De resultaten van meting {shell.plain(wave['label'])} zijn nog niet berekend.")
    if can(user, "survey.write") and st.button("Resultaten berekenen", type="primary"):
        with shell.reported(), st.spinner("Bezig met berekenen…"):
            worker.COMPUTE.run(results.compute, store, user, wave["id"])
            st.rerun()
    st.stop()

questionnaire = {v["id"]: v for v in monitors.variables(store, user, monitor_id)}
left, right = st.columns(2)
with left:
    variable_id = widgets.url_choice(
        "Vraag", list(questionnaire), "vraag",
        lambda i: f"{questionnaire[i]['topic'] or 'Overig'} · {questionnaire[i]['label']}")
var = questionnaire[variable_id]
# A breakdown is a frame attribute or another single-choice question (a text column of a CSV
# with a few answers is one).
choices = {v["name"]: f"Vraag: {v['label']}" for v in questionnaire.values()
           if v["type"] in ("enkelvoudig", "likert") and v["id"] != variable_id}
breakdown_names = {**tables.BREAKDOWN_NAMES, **choices}
with right:
    breakdown = widgets.url_choice("Uitsplitsen naar", list(breakdown_names), "naar",
                                   breakdown_names.get)
by_question = breakdown not in tables.BREAKDOWN_NAMES
if var["question"]:
    st.text(var["question"])
st.caption(f"Type: {monitors.VARIABLE_TYPES[var['type']]}")


MARKER_COLOURS = {"hoger": "background-color: #d1e5f0", "lager": "background-color: #fddbc7",
                  "": ""}


def coloured(table: tables.Table):
    """The crosstab with significantly higher cells blue and lower ones orange (as the arrows)."""
    styles = table.markers.replace(MARKER_COLOURS)
    return table.cells.style.apply(lambda _: styles, axis=None)


def notes(table: tables.Table) -> None:
    for note in table.notes:
        st.caption(shell.plain(note))


def downloads(table: tables.Table, kind: str, key: str) -> None:
    """Excel with the notes; the chart as PNG and SVG. Each file is made when its button is
    clicked: drawing the images on every run took most of the page's time. A click does not
    rerun the page (on_click="ignore"): a rerun replaces every button's file, and a second
    click during it found none."""
    columns = st.columns(3)
    columns[0].download_button("Tabel (Excel)", lambda: report.tables_xlsx([table]),
                               file_name=f"{key}.xlsx", key=f"xlsx_{key}", on_click="ignore")
    if kind:
        columns[1].download_button("Grafiek (PNG)", lambda: charts.static(table, kind, "png"),
                                   file_name=f"{key}.png", key=f"png_{key}", on_click="ignore")
        columns[2].download_button("Grafiek (SVG)", lambda: charts.static(table, kind, "svg"),
                                   file_name=f"{key}.svg", key=f"svg_{key}", on_click="ignore")


if var["type"] == "open":
    st.info("Dit is een open vraag: lees de antwoorden onder Monitor › Citaten.")
    st.stop()

# Only the open tab runs (its name is in the address, like the filters): the benchmark reads
# the wave's own answers and the trend every wave, which the table does not need.
tab_table, tab_trend, tab_set, tab_bench = widgets.url_tabs(
    ["Tabel", "Ontwikkeling", "Stellingen en meerkeuzesets", "Benchmark"], "tab")
if tab_table.open:
    with tab_table, shell.reported():
        if by_question:
            # Estimated from the wave's answers: in the worker.
            with st.spinner("Bezig met berekenen…"):
                table = worker.COMPUTE.run(tables.crosstab, store, user, wave["id"],
                                           variable_id, breakdown)
        else:
            table = tables.crosstab(store, user, wave["id"], variable_id, breakdown)
        st.subheader(shell.plain(table.title))
        st.dataframe(coloured(table), width="stretch", placeholder="—")
        notes(table)
        if breakdown == "totaal":
            frequency = tables.frequencies(store, user, wave["id"], variable_id)
            st.dataframe(frequency.cells, hide_index=True, width="stretch", placeholder="—")
            st.plotly_chart(charts.bars(frequency), width="stretch")
            downloads(frequency, "bars", f"frequenties_{var['name']}_{wave['label']}")
        else:
            st.plotly_chart(charts.crosstab_bars(table), width="stretch")
            downloads(table, "crosstab", f"kruistabel_{var['name']}_{wave['label']}")
if tab_trend.open:
    with tab_trend, shell.reported():
        category = 1.0 if var["type"] == "meervoudig" else None
        trend_options = tables.trend_choices(var)
        if trend_options:
            category = st.selectbox("Antwoord", trend_options,
                                    format_func=lambda c: tables.trend_label(var, c),
                                    placeholder="Kies een optie")
        if category == tables.TOP2:
            # The top-2 box is estimated from every wave's answers: in the worker.
            with st.spinner("Bezig met berekenen…"):
                trend = worker.COMPUTE.run(tables.trend, store, user, monitor_id, variable_id,
                                           category)
        else:
            trend = tables.trend(store, user, monitor_id, variable_id, category)
        st.dataframe(trend.cells, hide_index=True, width="stretch", placeholder="—")
        st.plotly_chart(charts.trend_line(trend), width="stretch")
        notes(trend)
        downloads(trend, "trend", f"ontwikkeling_{var['name']}")
if tab_set.open:
    with tab_set, shell.reported():
        group = None
        shown_by = "totaal" if by_question else breakdown
        if by_question:
            st.caption("Stellingen en meerkeuzesets worden naar regio, grootteklasse of "
                       "provincie uitgesplitst; hier voor alle respondenten.")
        elif breakdown != "totaal":
            groups = results.stored(store, user, wave["id"], variable_id, breakdown)["grp"]
            group = st.selectbox("Groep", list(dict.fromkeys(groups)), placeholder="Kies een optie")
        battery = [v["id"] for v in questionnaire.values()
                   if v["type"] == "likert" and v["topic"] == var["topic"]]
        if battery:
            likert = tables.likert(store, user, wave["id"], battery, shown_by, group)
            st.subheader(f"Stellingen: {shell.plain(var['topic'] or 'Overig')}")
            st.dataframe(likert.cells, hide_index=True, width="stretch", placeholder="—")
            st.plotly_chart(charts.likert_bars(likert), width="stretch")
            notes(likert)
        sets = {v["mr_set"] for v in questionnaire.values() if v["mr_set"]}
        for name in sorted(sets):
            members = [v["id"] for v in questionnaire.values() if v["mr_set"] == name]
            multiple = tables.multiple_response(store, user, wave["id"], members, shown_by,
                                                group)
            st.subheader(shell.plain(questionnaire[members[0]]["question"] or name))
            st.dataframe(multiple.cells, hide_index=True, width="stretch", placeholder="—")
            notes(multiple)
            downloads(multiple, "mr", f"meerkeuze_{name}_{wave['label']}")
        if not battery and not sets:
            st.info("Deze monitor heeft geen stellingen of meerkeuzesets in dit thema.")
if tab_bench.open:
    with tab_bench, shell.reported():
        units = {u["code"]: u for u in monitors.frame(store, user, monitor_id)}
        if not units:
            st.info("Deze monitor heeft geen steekproefkader.")
        else:
            code = st.selectbox("Eenheid", list(units),
                                format_func=lambda c: f"{units[c]['name']} ({c})",
                                placeholder="Kies een optie")
            bench = tables.benchmark(store, user, wave["id"], code)
            st.dataframe(bench.cells, hide_index=True, width="stretch", placeholder="—")
            notes(bench)

st.divider()
st.caption(f"Resultaten berekend op {run['computed_at'][:16].replace('T', ' ')} "
           f"({run['rows']} cijfers in {run['seconds']:.1f} s).")
if can(user, "survey.write") and st.button("Opnieuw berekenen"):
    with shell.reported(), st.spinner("Bezig met berekenen…"):
        worker.COMPUTE.run(results.compute, store, user, wave["id"])
        st.rerun()
