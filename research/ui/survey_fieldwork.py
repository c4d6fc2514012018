"""Monitor: fieldwork from the app — start an online questionnaire for a new wave with a
personal link per unit of the frame, contacts and the mail merge, reminders, and closing,
which makes the sent answers the wave (issue 22)."""

from datetime import date, timedelta

import streamlit as st

from research import worker
from research.survey import invitations, raw_responses
from research.ui import shell, widgets

store, user = shell.guard("survey.write")
st.title("Veldwerk")
st.caption("Een online vragenlijst voor een nieuwe meting: elke eenheid in het kader krijgt "
           "een eigen link. Verstuurde antwoorden tellen meteen mee op de pagina Respons; "
           "bij het sluiten worden ze de meting, met gewichten en resultaten.")

monitor_id = widgets.pick_monitor(store, user)

available = invitations.of_monitor(store, user, monitor_id)
with st.expander("Nieuw veldwerk", expanded=not available):
    with st.form("new_fieldwork"):
        left, middle, right = st.columns(3)
        label = left.text_input("Naam van de meting", placeholder="bijvoorbeeld 2026")
        year = middle.number_input("Jaar", 1990, 2100, value=None, placeholder="optioneel")
        closes = right.date_input("Sluitingsdatum", date.today() + timedelta(days=28),
                                  min_value=date.today(), format="DD-MM-YYYY")
        guide = st.file_uploader("Vragenlijst (.xlsx of .csv met naam, label, vraag, type, "
                                 "waarden, ontbrekend, thema, set en voorwaarde; zonder "
                                 "bestand: de vragen van de eerdere metingen, zonder routering)",
                                 type=["xlsx", "csv"], key="fieldwork_questionnaire")
        if st.form_submit_button("Veldwerk starten", type="primary"):
            with shell.reported():
                invitations.start(store, user, monitor_id, label, int(year) if year else None,
                                  closes, guide.getvalue() if guide else None,
                                  guide.name if guide else "vragenlijst")
                st.success(f"Veldwerk voor meting {shell.plain(label.strip())} gestart.")
                available = invitations.of_monitor(store, user, monitor_id)

if not available:
    st.info("Deze monitor heeft nog geen veldwerk.")
    st.stop()
by_id = {f["id"]: f for f in available}
chosen = st.selectbox(
    "Veldwerk", list(by_id), placeholder="Kies een optie",
    format_func=lambda i: f"Meting {by_id[i]['label']} ("
                          + ("open tot en met " + shell.dutch_date(by_id[i]['closes_on'])
                             if by_id[i]["status"] == "open" else "gesloten") + ")")
current = by_id[chosen]
is_open = current["status"] == "open"

first, second, third = st.columns(3)
first.metric("Uitnodigingen", current["invitations"])
second.metric("Verstuurd", current["submitted"] if is_open else "—")
third.metric("Sluitingsdatum", shell.dutch_date(current["closes_on"]))

if is_open:
    table = invitations.links(store, user, chosen)
    shown = table.drop(columns="id").rename(columns={
        "codes": "Code", "name": "Naam", "contact": "Contactpersoon",
        "email": "E-mail", "link": "Link", "status": "Status", "saved_at": "Opgeslagen",
        "sent_at": "Verstuurd"})
    for column in ("Opgeslagen", "Verstuurd"):
        shown[column] = shell.local_times(shown[column])
    links_tab, remind_tab, change_tab, close_tab = st.tabs(
        ["Links en contactpersonen", "Herinneren", "Wijzigen", "Sluiten"])
    with links_tab:
        st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")
        st.download_button("Links voor samenvoegen (CSV)",
                           lambda: invitations.mail_merge(store, user, chosen),
                           file_name=f"veldwerk_links_{current['label']}.csv", mime="text/csv",
                           on_click="ignore")
        st.caption("Het bestand bevat namen en e-mailadressen: elke download staat in het "
                   "auditlog. De links wijzen naar het adres in RESEARCH_PUBLIC_URL.")
        smtp = shell.smtp_settings()
        if smtp:
            with st.form("send_mail"):
                subject = st.text_input("Onderwerp", f"Gemeentemonitor {current['label']}")
                text = st.text_area(
                    "Tekst ({naam}, {contactpersoon}, {link} en {sluitingsdatum} worden "
                    "ingevuld)", "Beste {contactpersoon},\n\nWilt u de vragenlijst voor "
                    "{naam} invullen? Uw persoonlijke link: {link}\nDe link werkt tot en met "
                    "{sluitingsdatum}.\n\nMet vriendelijke groet,", height=200)
                waiting_only = st.checkbox("Alleen links die nog niet verstuurd zijn", True)
                if st.form_submit_button("Mails versturen"):
                    with shell.reported():
                        count = invitations.send(store, user, chosen, smtp, subject, text,
                                                 waiting_only)
                        st.success(f"{count} mails verstuurd.")
        contacts = st.file_uploader("Contactpersonen (CSV met code;naam;e-mail)", type=["csv"],
                                    key="fieldwork_contacts")
        if contacts and st.button("Contactpersonen opslaan"):
            with shell.reported():
                count = invitations.set_contacts(store, user, chosen, contacts.getvalue(),
                                                 contacts.name)
                st.success(f"{count} contactpersonen opgeslagen.")
    with remind_tab:
        waiting = invitations.reminders(store, user, chosen)
        waiting["saved_at"] = shell.local_times(waiting["saved_at"])
        st.write(f"{len(waiting)} van de {len(table)} links zijn nog niet verstuurd.")
        st.dataframe(waiting[["name", "contact", "email", "status", "saved_at"]].rename(
            columns={"name": "Naam", "contact": "Contactpersoon", "email": "E-mail",
                     "status": "Status", "saved_at": "Opgeslagen"}),
            hide_index=True, width="stretch", placeholder="—")
        st.caption("Notities van de nabelronde schrijf je op de pagina Respons.")
    with change_tab:
        with st.form("closing_date"):
            moved = st.date_input("Nieuwe sluitingsdatum", date.fromisoformat(
                current["closes_on"]), min_value=date.today(), format="DD-MM-YYYY")
            if st.form_submit_button("Sluitingsdatum opslaan"):
                with shell.reported():
                    invitations.set_closing_date(store, user, chosen, moved)
                    st.success("Sluitingsdatum opgeslagen.")
        singles = table[~table["codes"].str.contains(";", regex=False)]
        units = dict(zip(singles["id"], singles["name"] + " (" + singles["codes"] + ")",
                         strict=True))
        with st.form("partnership", clear_on_submit=True):
            st.write("Samenwerkingsverband: één link voor eenheden die samen antwoorden.")
            members = st.multiselect("Eenheden", list(units), format_func=units.get,
                                     placeholder="Kies eenheden", select_all=False)
            name = st.text_input("Naam van het samenwerkingsverband")
            if st.form_submit_button("Samen één link geven"):
                with shell.reported():
                    invitations.combine(store, user, chosen, members, name)
                    st.success("Samenwerkingsverband opgeslagen.")
    with close_tab:
        st.write("Sluiten maakt de verstuurde antwoorden de meting (met ontwerp, gewichten en "
                 "resultaten). De links werken daarna niet meer; niet-verstuurde antwoorden "
                 "tellen niet mee.")
        with st.form("close_fieldwork"):
            sure = st.checkbox("Ik wil het veldwerk nu sluiten")
            if st.form_submit_button("Veldwerk sluiten en berekenen", type="primary"):
                with shell.reported():
                    if not sure:
                        raise invitations.MonitorError("Vink eerst aan dat je het veldwerk "
                                                       "wilt sluiten.")
                    with st.spinner("Bezig met laden en berekenen…"):
                        wave_id, rows = worker.COMPUTE.run(invitations.close, store, user,
                                                           chosen)
                    widgets.choose("meting", wave_id)
                    st.success(f"Veldwerk gesloten: meting {shell.plain(current['label'])} "
                               f"geladen, {rows} resultaten berekend.")

st.subheader("Ruwe antwoorden")
st.caption("Een rij per verstuurde link, zonder contactgegevens.")
left, right = st.columns(2)
left.download_button("SPSS (.sav)", lambda: raw_responses.export(store, user, chosen, "sav"),
                     file_name=f"antwoorden_{current['label']}.sav",
                     mime="application/octet-stream", on_click="ignore")
right.download_button("Excel (.xlsx)", lambda: raw_responses.export(store, user, chosen, "xlsx"),
                      file_name=f"antwoorden_{current['label']}.xlsx", on_click="ignore")
if not is_open:
    st.info(f"Dit veldwerk is gesloten op {shell.dutch_date(current['closed_at'][:10])}; de "
            "antwoorden staan in de meting.")
