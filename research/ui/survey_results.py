"""Monitor: results per question and wave, with the base of every figure stated."""

import plotly.express as px
import streamlit as st

from research.survey import monitors
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Resultaten")

monitor_id = widgets.pick_monitor(store, user)
waves = monitors.waves(store, user, monitor_id)
st.caption("Metingen: " + ", ".join(f"{shell.plain(w['label'])} (n = {w['responses']})"
                                   for w in waves))

questionnaire = {v["id"]: v for v in monitors.variables(store, user, monitor_id)}
if not questionnaire:
    st.info("Deze monitor heeft nog geen vragen.")
    st.stop()
variable_id = st.selectbox(
    "Vraag", list(questionnaire),
    format_func=lambda i: f"{questionnaire[i]['topic'] or 'Overig'} · {questionnaire[i]['label']}")
var = questionnaire[variable_id]
if var["question"]:
    st.text(var["question"])
st.caption(f"Type: {monitors.VARIABLE_TYPES[var['type']]}")

if var["type"] in monitors.CATEGORICAL:
    table = monitors.frequencies(store, user, variable_id)
    pivot = table.pivot_table(index=["code", "antwoord"], columns="meting", values="percentage",
                              sort=False).reset_index(level="code", drop=True)
    counts = table.pivot_table(index=["code", "antwoord"], columns="meting", values="n",
                               sort=False).reset_index(level="code", drop=True)
    left, right = st.columns(2)
    left.write("Percentage van de geldige antwoorden")
    left.dataframe(pivot, width="stretch")
    right.write("Aantal antwoorden (n)")
    right.dataframe(counts.astype("Int64"), width="stretch")
    bases = table.drop_duplicates("meting")[["meting", "basis"]]
    st.caption("Ongewogen. Basis per meting: "
               + ", ".join(f"{shell.plain(r.meting)}: n = {r.basis}" for r in bases.itertuples())
               + ". Antwoorden als 'weet niet' tellen niet mee in de basis; hun aantal staat "
                 "rechts.")
    valid = table.dropna(subset=["percentage"])
    figure = px.bar(valid.astype({"meting": str}), x="antwoord", y="percentage", color="meting",
                    barmode="group", labels={"antwoord": "", "percentage": "%", "meting": "Meting"})
    st.plotly_chart(figure, width="stretch")
elif var["type"] in monitors.NUMERIC:
    summary = monitors.numeric_summary(store, user, variable_id)
    st.dataframe(summary, hide_index=True, width="stretch")
    st.caption("Ongewogen gemiddelde van de geldige antwoorden per meting.")
    figure = px.line(summary, x="meting", y="gemiddelde", markers=True,
                     labels={"meting": "Meting", "gemiddelde": "Gemiddelde"})
    figure.update_xaxes(type="category")  # wave labels such as "2025" are names, not numbers
    # The full scale, so that a change of a tenth does not look like a collapse.
    if var["type"] == "rapportcijfer":
        figure.update_yaxes(range=[1, 10])
    else:
        figure.update_yaxes(rangemode="tozero")
    st.plotly_chart(figure, width="stretch")
else:
    answers = monitors.open_answers(store, user, variable_id)
    st.caption(f"{len(answers)} antwoorden. Controleer citaten op herleidbaarheid voordat je ze "
               "gebruikt.")
    st.dataframe(answers, hide_index=True, width="stretch")
