"""Monitor: the wave report (.docx) with the analyst's text blocks, tables, charts and quotes.

The text blocks are saved per wave as they are typed (each time a field is left), so they are
there again after leaving the page; the report is made when its button is clicked, from the
wave on screen."""

import streamlit as st

from research import worker
from research.accounts import can
from research.errors import UserError
from research.survey import monitors, report, results, tables
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Meetrapport")
monitor_id = widgets.pick_monitor(store, user)
wave = widgets.pick_wave(store, user, monitor_id)
if results.run(store, user, wave["id"]) is None:
    st.info("Bereken eerst de resultaten van deze meting (onder Resultaten).")
    st.stop()
breakdown = st.selectbox("Tabellen uitsplitsen naar", list(tables.BREAKDOWN_NAMES),
                         index=list(tables.BREAKDOWN_NAMES).index("size_class"),
                         format_func=tables.BREAKDOWN_NAMES.get, placeholder="Kies een optie")
topics = sorted({v["topic"] or "Overig" for v in monitors.variables(store, user, monitor_id)})
writer = can(user, "survey.write")
saved = report.drafts(store, user, wave["id"])
st.caption("Tekstblokken: een inleiding en per thema een toelichting. Leeg laten mag. "
           + (f"Wat je typt, wordt bij meting {shell.plain(wave['label'])} bewaard zodra je "
              "een veld verlaat; ook collega's zien het." if writer else
              "Je teksten blijven staan zolang je bent ingelogd; bij de meting bewaren kan "
              "een analist."))


def save(block: str, key: str) -> None:
    """Save a text block when its field is left (a callback: before the page runs again)."""
    try:
        report.save_draft(store, user, wave["id"], block, st.session_state[key])
    except UserError as error:
        st.session_state["report_draft_error"] = error.message


texts = {}
blocks = [(report.INTRODUCTION, "Inleiding")] + [(t, f"Thema: {t}") for t in topics]
for block, label in blocks:
    # Per wave: the fields of another wave hold that wave's texts. Topics are user text, so
    # the key holds a fingerprint of the name rather than the name.
    key = f"report_{wave['id']}_{widgets.digest(block)[:16]}"
    # Saved for a writer when the field is left; a lezer's text stays in the session only.
    saving = {"on_change": shell.callback(save), "args": (block, key)} if writer else {}
    texts[block] = st.text_area(label, value=saved.get(block, ""), key=key,
                                max_chars=report.MAX_DRAFT, persist_state="session", **saving)
if "report_draft_error" in st.session_state:
    st.error(st.session_state.pop("report_draft_error"))

chosen = {k: v for k, v in texts.items() if v.strip()}
wave_id = wave["id"]
st.caption(f"Het rapport is van meting {shell.plain(wave['label'])}, met de tekstblokken "
           "hierboven; het wordt gemaakt als je op de knop klikt.")
# Made on the click, in the computation worker, from the saved blocks (a writer's) or the
# ones on screen; on_click="ignore": a click does not rerun the page, so a second click
# right after the first still finds its file.
st.download_button(
    "Rapport downloaden (Word)",
    (lambda: worker.COMPUTE.run(report.wave_report, store, user, wave_id, None, breakdown))
    if writer else
    (lambda: worker.COMPUTE.run(report.wave_report, store, user, wave_id, chosen, breakdown)),
    file_name=f"meetrapport_{wave['label']}.docx", type="primary", on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
