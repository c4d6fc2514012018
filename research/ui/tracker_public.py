"""Wijkwerkplaats: make a question public for residents (a summary, report-backs, a code and
a QR code for the slip), withdraw it, and print the slips of a gathering."""

import streamlit as st

from research import taxonomies
from research.tracker import publication, questions, reportback
from research.ui import shell

store, user = shell.guard("tracker.write")
st.title("Openbaar maken")
st.caption("Bewoners zien op de openbare pagina wat er met hun vraag gebeurt: een korte "
           "samenvatting die jij schrijft, de maand, het programma, de stand van zaken, wat er "
           "is teruggekoppeld en de ontwikkelvraag die eruit groeide. Nooit hun eigen woorden "
           "of namen. Niets is openbaar tot je het publiceert.")

wijken = taxonomies.wijkwerkplaatsen(store)
own = questions.own_wijken(store, user)
if not own:
    st.info("Je bent aan geen wijkwerkplaats gekoppeld.")
    st.stop()
wijk_id = st.selectbox("Wijkwerkplaats", own, format_func=wijken.get, placeholder="Kies een optie")
rows = questions.list_questions(store, user, wijk_id=wijk_id)
if not rows:
    st.info("Deze wijkwerkplaats heeft nog geen vragen.")
    st.stop()
by_id = {r["id"]: r for r in rows}
question_id = st.selectbox(
    "Vraag", list(by_id), placeholder="Kies een vraag",
    format_func=lambda i: f"{shell.dutch_date(by_id[i]['asked_on'])} · {by_id[i]['text'][:90]}")
question = by_id[question_id]
current = publication.of_question(store, user, question_id)
public_now = current is not None and current["withdrawn_at"] is None

with st.container(border=True):
    st.caption("De woorden van de bewoner (alleen voor jou, worden niet openbaar):")
    st.text(question["text"])

if public_now:
    code = current["code"]
    st.success(shell.plain(f"Openbaar met code {publication.spaced(code)}: "
                           f"{publication.public_url(code)}"))
    left, right = st.columns(2)
    left.download_button("QR-code (SVG)", publication.qr_svg(code), f"vraag-{code}.svg",
                         mime="image/svg+xml", on_click="ignore")
    if right.button("Intrekken", type="secondary"):
        with shell.reported():
            publication.withdraw(store, user, question_id)
            st.rerun()

told = reportback.of_question(store, user, question_id)
with st.form("publish"):
    summary = st.text_area(
        "Samenvatting voor bewoners", value=(current or {}).get("summary", ""),
        max_chars=publication.MAX_SUMMARY,
        placeholder="Bijvoorbeeld: Waarom is de speeltuin aan het plein dicht? Geen namen, "
                    "adressen of telefoonnummers.")
    shown = st.multiselect(
        "Terugkoppelingen die openbaar mogen", [t["id"] for t in told],
        default=[i for i in (current or {}).get("reportback_ids", [])
                 if i in {t["id"] for t in told}],
        format_func=lambda i: next(f"{shell.dutch_date(t['reported_on'])} · {t['text'][:80]}"
                                   for t in told if t["id"] == i),
        placeholder="Geen" if not told else "Kies terugkoppelingen", select_all=False)
    if st.form_submit_button("Opnieuw publiceren" if public_now else "Publiceren",
                             type="primary"):
        with shell.reported():
            code = publication.publish(store, user, question_id, summary, shown)
            st.success(shell.plain(f"Gepubliceerd met code {publication.spaced(code)}."))

st.subheader("Afdrukken voor een bijeenkomst")
live = publication.published(store, user, wijk_id)
if not live:
    st.caption("Nog geen openbare vragen in deze wijkwerkplaats.")
else:
    places = sorted({r["place"] for r in live if r["place"]})
    place = st.selectbox("Bijeenkomst of plek", places, index=None,
                         placeholder="Alle openbare vragen")
    with shell.reported():
        st.download_button("A4 met codes en QR-codes (HTML, om af te drukken)",
                           publication.slips_html(store, user, wijk_id, place),
                           f"bewonersvragen-{wijk_id}.html", mime="text/html",
                           on_click="ignore")
