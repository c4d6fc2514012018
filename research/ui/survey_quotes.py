"""Monitor: open answers as quotes (under the quote threshold), sent to a qualitative project
to be coded, and the coded quotes that came back."""

import streamlit as st

from research.qual import projects
from research.survey import monitors, ordering, quotes, tables
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Citaten")

monitor_id = widgets.pick_monitor(store, user)
wave = widgets.pick_wave(store, user, monitor_id)
open_questions = {v["id"]: v for v in monitors.variables(store, user, monitor_id)
                  if v["type"] == "open"}
if not open_questions:
    st.info("Deze monitor heeft geen open vragen.")
    st.stop()
variable_id = widgets.url_choice("Open vraag", list(open_questions), "open",
                                 lambda i: open_questions[i]["label"])
var = open_questions[variable_id]
if var["question"]:
    st.text(var["question"])
left, right = st.columns(2)
with left:
    breakdown = widgets.url_choice("Uitsplitsen naar", list(tables.BREAKDOWN_NAMES), "naar",
                                   tables.BREAKDOWN_NAMES.get)
group = None
with shell.reported():
    if breakdown != "totaal":
        everyone, _ = quotes.quotes(store, user, wave["id"], variable_id, breakdown)
        with right:
            group = st.selectbox("Groep", ordering.natural_order(everyone["group"].unique())
                                 or ["Onbekend"], placeholder="Kies een optie")
    found, withheld = quotes.quotes(store, user, wave["id"], variable_id, breakdown, group)
    if withheld:
        st.warning(withheld)
    else:
        st.caption(f"{len(found)} antwoorden. Namen van gemeenten of gebieden staan er niet "
                   "bij; controleer citaten op herleidbaarheid voordat je ze gebruikt.")
        shown = found.rename(columns={"answer": "Antwoord", "group": "Groep"})
        st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")
        widgets.table_download(shown, "antwoorden")

st.subheader("Coderen in een kwalitatief project")
writable = [p for p in projects.list_projects(store, user)
            if projects.can_write(store, user, p["id"])]
if not writable:
    st.caption("Je bent geen schrijvend lid van een kwalitatief project.")
else:
    by_id = {p["id"]: p for p in writable}
    project_id = st.selectbox("Project", list(by_id), format_func=lambda i: by_id[i]["name"],
                              placeholder="Kies een optie")
    st.caption("Elk antwoord wordt een beurt in één document per meting en vraag; "
               "respondenten worden casussen met hun regio, grootteklasse en provincie.")
    if st.button("Antwoorden naar het project sturen"):
        with shell.reported():
            quotes.to_qual(store, user, wave["id"], variable_id, project_id)
            st.success("De antwoorden staan in het project; codeer ze onder Coderen.")

coded = quotes.coded_quotes(store, user, monitor_id)
if not coded.empty:
    st.subheader("Gecodeerde citaten")
    st.dataframe(coded.rename(columns={"code": "Code", "wave": "Meting", "question": "Vraag",
                                       "quote": "Citaat"}), hide_index=True, width="stretch",
                 placeholder="—")
    st.caption("Deze citaten komen ook in het meetrapport.")
